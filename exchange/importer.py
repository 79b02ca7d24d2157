"""Import an .eln written by cqdlab into an empty project.

Everything is checked before anything is stored: the archive (one top folder, no unsafe
names, the zip-bomb limits of bulk uploads), the crate (RO-Crate 1.1, written by a compatible
cqdlab), every file (present, its size and sha256 as the crate states), every code a field names
(inside the crate) and the target project (empty). Then the raw files are written (content-
addressed, so an existing blob is reused) and the objects created in one transaction; if that
fails, the blobs this import wrote are removed again. Measurements are analysed again from
their raw files once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import posixpath
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from core.models import Project
from measurements import kinds
from measurements.lifecycle import announce_on_commit
from measurements.models import RawFile, Status
from measurements.services import max_upload_bytes

from . import schema

METADATA = "ro-crate-metadata.json"
_UNPACK_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


class ImportRefused(ValueError):
    """The crate cannot be imported; the message says why. ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Entity:
    etype: schema.EntityType
    node: dict
    values: dict[str, Any] = field(default_factory=dict)
    children: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)


@dataclass
class ImportReport:
    project: str
    created: dict[str, int]
    measurements_queued: int

    def as_dict(self) -> dict:
        return self.__dict__.copy()


# --- the archive --------------------------------------------------------------------------------


def _safe(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or "\\" in name or ":" in name.split("/")[0]:
        return False
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return False
    return ".." not in name.split("/")


def _open(data: bytes) -> tuple[zipfile.ZipFile, str, dict[str, zipfile.ZipInfo]]:
    """The archive, its one top folder and its files by path inside that folder."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRefused("The upload is not a readable .eln (zip) archive.") from exc
    for info in infos:
        if not _safe(info.filename):
            shown = info.filename.encode("unicode_escape").decode()[:200]
            raise ImportRefused(
                f"The archive holds an unsafe path '{shown}' (absolute, '..' or control "
                "characters): refused, nothing was stored."
            )
        if info.flag_bits & 0x1:
            raise ImportRefused(f"{info.filename} is encrypted: cqdlab cannot read it.")
    files = [i for i in infos if not i.is_dir()]
    _check_sizes(files)
    tops = {i.filename.split("/")[0] for i in infos}
    if len(tops) != 1 or any("/" not in i.filename for i in files):
        raise ImportRefused(
            "An .eln holds exactly one folder at its root, with everything inside it; this "
            f"archive has {len(tops)} entries there."
        )
    top = tops.pop()
    by_path = {posixpath.normpath(i.filename[len(top) + 1 :]): i for i in files}
    return archive, top, by_path


def _check_sizes(files: list[zipfile.ZipInfo]) -> None:
    """The limits of bulk uploads (measurements/bulk.py): number of files, total unpacked
    size, one file's size, and the packing ratio of any member (a zip bomb)."""
    if len(files) > settings.MAX_ZIP_FILES:
        raise ImportRefused(
            f"The archive holds {len(files)} files; the limit is {settings.MAX_ZIP_FILES}."
        )
    total = sum(i.file_size for i in files)
    if total > settings.MAX_ZIP_UNPACKED_MB * 1024 * 1024:
        raise ImportRefused(
            f"The archive unpacks to more than the {settings.MAX_ZIP_UNPACKED_MB} MB limit: "
            "refused (zip bomb guard)."
        )
    for i in files:
        if i.file_size > max_upload_bytes():
            raise ImportRefused(
                f"{i.filename} unpacks to more than the {settings.MAX_UPLOAD_MB} MB limit for "
                "one file: refused (zip bomb guard)."
            )
        if i.file_size and (
            i.compress_size == 0 or i.file_size / i.compress_size > settings.MAX_ZIP_RATIO
        ):
            raise ImportRefused(
                f"{i.filename} is packed more tightly than {settings.MAX_ZIP_RATIO} to 1: "
                "refused (zip bomb guard)."
            )


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(info) as fh:
            content = fh.read(info.file_size + 1)  # a lying header cannot smuggle more
    except _UNPACK_ERRORS as exc:
        raise ImportRefused(f"{info.filename} could not be unpacked.") from exc
    if len(content) > info.file_size:
        raise ImportRefused(f"{info.filename} is larger than its zip header says.")
    return content


# --- the crate ----------------------------------------------------------------------------------


def _ref(value: Any) -> str | None:
    return value.get("@id") if isinstance(value, dict) else None


def _graph(archive, by_path) -> dict[str, dict]:
    info = by_path.get(METADATA)
    if info is None:
        raise ImportRefused(f"The archive's folder holds no {METADATA}: not an .eln file.")
    try:
        document = json.loads(_read(archive, info))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportRefused(f"{METADATA} is not valid JSON.") from exc
    graph = document.get("@graph") if isinstance(document, dict) else None
    if not isinstance(graph, list) or not all(
        isinstance(n, dict) and isinstance(n.get("@id"), str) for n in graph
    ):
        raise ImportRefused(f"{METADATA} has no @graph of entities with an @id.")
    nodes: dict[str, dict] = {}
    for node in graph:
        if node["@id"] in nodes:
            raise ImportRefused(f"The crate names the entity '{node['@id'][:120]}' twice.")
        nodes[node["@id"]] = node
    return nodes


def _check_crate(nodes: dict[str, dict]) -> None:
    descriptor = nodes.get(METADATA)
    if descriptor is None or _ref(descriptor.get("about")) != "./" or "./" not in nodes:
        raise ImportRefused("The crate has no metadata descriptor about a root dataset './'.")
    if _ref(descriptor.get("conformsTo")) != schema.RO_CRATE_1_1:
        raise ImportRefused(
            f"The crate does not state RO-Crate 1.1 ({schema.RO_CRATE_1_1}); cqdlab imports "
            "the .eln files it writes."
        )
    action = nodes.get(schema.CREATE_ACTION_ID) or {}
    software = nodes.get(_ref(action.get("instrument")) or "") or {}
    version = str(software.get("version") or "")
    if software.get("identifier") != schema.FORMAT_NAME:
        raise ImportRefused(
            "This .eln was not written by cqdlab (no cqdlab exporter named in its "
            "CreateAction): cqdlab imports only its own crates."
        )
    if version.split(".")[0] != schema.FORMAT_VERSION.split(".")[0]:
        raise ImportRefused(
            f"This .eln was written by cqdlab exchange format {version or '?'}; this server "
            f"reads format {schema.FORMAT_VERSION.split('.')[0]}.x only."
        )


def _files(archive, by_path, nodes) -> dict[str, bytes]:
    """Every File the crate lists: present, its stated size and sha256."""
    out = {}
    for nid, node in nodes.items():
        types = node.get("@type")
        types = types if isinstance(types, list) else [types]
        if "File" not in types or nid == METADATA:
            continue
        path = posixpath.normpath(nid)
        if not _safe(nid) or path not in by_path:
            raise ImportRefused(f"The crate lists the file '{nid[:200]}', which is not in it.")
        data = _read(archive, by_path[path])
        if str(node.get("contentSize", len(data))) != str(len(data)):
            raise ImportRefused(
                f"{nid}: the crate says {node.get('contentSize')} bytes, the file has {len(data)}."
            )
        sha = node.get("sha256")
        if not sha or hashlib.sha256(data).hexdigest() != sha:
            raise ImportRefused(
                f"{nid}: its sha256 does not match the crate's (damaged or altered file)."
            )
        out[nid] = data
    return out


def _entities(nodes: dict[str, dict]) -> list[Entity]:
    out = []
    for node in nodes.values():
        kind = str(node.get("additionalType") or "")
        if not kind.startswith(schema.TYPE_PREFIX):
            continue
        etype = schema.BY_NAME.get(kind[len(schema.TYPE_PREFIX) :])
        if etype is None:
            raise ImportRefused(f"Unknown object type '{kind[:60]}' in the crate.")
        if not isinstance(node.get("identifier"), str) or not node["identifier"]:
            raise ImportRefused(f"{node['@id'][:120]} has no identifier (its code).")
        entity = Entity(etype, node)
        for link in node.get("variableMeasured") or []:
            pv = nodes.get(_ref(link) or "")
            if pv is None:
                raise ImportRefused(f"{node['@id'][:120]} refers to a property not in the crate.")
            name = str(pv.get("propertyID") or "")
            head, _, rest = name.partition(".")
            if rest:
                index, _, child_field = rest.partition(".")
                if head not in etype.children or not index.isdigit():
                    raise ImportRefused(f"Unknown property '{name[:80]}' of {etype.name}.")
                entity.children.setdefault(head, {}).setdefault(int(index), {})[child_field] = (
                    pv.get("value")
                )
            else:
                entity.values[name] = pv.get("value")
        out.append(entity)
    return out


# --- values back into fields --------------------------------------------------------------------


def _convert(f, value: Any, resolve) -> Any:
    """The crate's value as the field's Python value; relations through ``resolve``."""
    if value is None:
        return None
    if f.is_relation:
        return resolve(f, value)
    if isinstance(f, models.JSONField):
        return json.loads(value) if isinstance(value, str) else value
    if isinstance(f, models.DateTimeField):
        when = parse_datetime(str(value))
        if when is None:
            raise ImportRefused(f"'{str(value)[:40]}' is not a date-time ({f.name}).")
        return when if timezone.is_aware(when) else timezone.make_aware(when, dt.UTC)
    if isinstance(f, models.DateField):
        day = parse_date(str(value))
        if day is None:
            raise ImportRefused(f"'{str(value)[:40]}' is not a date ({f.name}).")
        return day
    try:
        return f.to_python(value)
    except Exception as exc:  # ValidationError: a value that does not fit the field
        raise ImportRefused(f"'{str(value)[:40]}' does not fit field {f.name}.") from exc


def _project_is_empty(project: Project) -> None:
    for etype in schema.TYPES:
        if etype.model.objects.filter(project=project).exists():
            raise ImportRefused(
                f"Project '{project.code}' is not empty (it holds {etype.name} objects): an .eln "
                "is imported into an empty project only.",
                status=409,
            )


def _users(project: Project, importer) -> dict[str, Any]:
    """The users a crate's usernames may name: members of the target project and the one who
    imports. Anyone else named (an author on another server) is left blank rather than
    attributing work to a stranger of the same name."""
    users = {u.get_username(): u for u in project.members.all()}
    users[importer.get_username()] = importer
    return users


# --- the import ---------------------------------------------------------------------------------


def import_eln(data: bytes, project: Project, user) -> ImportReport:
    """Import the .eln ``data`` into the empty ``project`` as ``user``; ImportRefused names
    what stops it, and then nothing was stored."""
    archive, _top, by_path = _open(data)
    nodes = _graph(archive, by_path)
    _check_crate(nodes)
    files = _files(archive, by_path, nodes)
    entities = _entities(nodes)
    _project_is_empty(project)

    codes: dict[str, set[str]] = defaultdict(set)
    for e in entities:
        if e.node["identifier"] in codes[e.etype.name]:
            raise ImportRefused(f"{e.etype.name} '{e.node['identifier'][:80]}' appears twice.")
        codes[e.etype.name].add(e.node["identifier"])
    raws = _raw_files(entities, nodes, files)
    for e in entities:
        _check_references(e, codes)

    written = _write_blobs(raws)
    try:
        with transaction.atomic():
            report = _create(entities, raws, project, user)
    except BaseException:
        for name in written:  # files written only for this import go with it
            default_storage.delete(name)
        raise
    return report


def _related_type(model) -> str | None:
    et = schema.BY_MODEL.get(model)
    return et.name if et else None


def _check_references(e: Entity, codes: dict[str, set[str]]) -> None:
    rows = [(schema.data_fields(e.etype.model, e.etype.skipped), e.values)]
    for rel, by_index in e.children.items():
        child_model = e.etype.model._meta.get_field(rel).related_model
        parent_field = e.etype.model._meta.get_field(rel).field.name
        rows += [(schema.child_fields(child_model, parent_field), v) for v in by_index.values()]
    for fields, values in rows:
        for f in fields:
            target = _related_type(f.related_model) if f.is_relation else None
            value = values.get(f.name)
            if target and value is not None and value not in codes[target]:
                raise ImportRefused(
                    f"{e.etype.name} '{e.node['identifier'][:80]}' names {f.name} '{value}', "
                    "which is not in the crate."
                )
    for rel in e.etype.many:
        for code in json.loads(e.values.get(rel) or "[]"):
            if code not in codes["Device"]:
                raise ImportRefused(
                    f"{e.node['identifier'][:80]} names device '{code}', not in the crate."
                )


@dataclass
class _Raw:
    sha: str
    data: bytes


def _raw_files(entities, nodes, files) -> dict[str, _Raw]:
    """The raw file of each measurement (by code): the part of its Dataset that is not the
    results."""
    out = {}
    for e in entities:
        if e.etype.name != "Measurement":
            continue
        parts = [_ref(p) for p in e.node.get("hasPart") or []]
        raw = [p for p in parts if p and not p.endswith("/results.json")]
        if len(raw) != 1 or raw[0] not in files:
            raise ImportRefused(
                f"Measurement {e.node['identifier'][:80]} has no raw file in the crate."
            )
        out[e.node["identifier"]] = _Raw(nodes[raw[0]]["sha256"], files[raw[0]])
        if kinds.get(e.values.get("kind")) is None:
            raise ImportRefused(
                f"Measurement {e.node['identifier'][:80]} is of kind '{e.values.get('kind')}', "
                "which this server does not know."
            )
    return out


def _write_blobs(raws: dict[str, _Raw]) -> list[str]:
    written = []
    for raw in raws.values():
        name = f"raw/{raw.sha[:2]}/{raw.sha}"
        if RawFile.objects.filter(sha256=raw.sha).exists() or default_storage.exists(name):
            continue
        saved = default_storage.save(name, ContentFile(raw.data))
        written.append(saved)
    return written


def _create(entities, raws, project: Project, user) -> ImportReport:
    users = _users(project, user)
    made: dict[str, dict[str, models.Model]] = defaultdict(dict)
    created: dict[str, int] = {}
    queued = 0

    def resolve(f, value):
        if f.related_model is get_user_model():
            return users.get(str(value))
        target = _related_type(f.related_model)
        return made[target][value]

    order = {t.name: i for i, t in enumerate(schema.TYPES)}

    def key(e: Entity):
        return (order[e.etype.name], int(e.values.get("version") or 0), e.node["identifier"])

    for e in sorted(entities, key=key):
        etype = e.etype
        kwargs: dict[str, Any] = {}
        for f in schema.data_fields(etype.model, etype.skipped):
            value = _convert(f, e.values.get(f.name), resolve)
            if value is None and not f.null:
                if f.has_default():
                    continue
                value = "" if isinstance(f, (models.CharField, models.TextField)) else value
            kwargs[f.name] = value
        author = _ref(e.node.get("author"))
        code = e.node["identifier"]
        extra: dict[str, Any] = {}
        if etype.name == "Measurement":
            info = kinds.get(kwargs["kind"])
            analysed = bool(info and info.analysed)
            raw = raws[code]
            extra = {
                "raw_file": _raw_row(raw),
                "status": Status.QUEUED if analysed else Status.SUCCEEDED,
                "queued_at": timezone.now(),
                "finished_at": None if analysed else timezone.now(),
            }
        creator = users.get(author.removeprefix("#person-")) if author else None
        obj = etype.model.objects.create(
            project=project, code=code, created_by=creator, **kwargs, **extra
        )
        for rel, by_index in e.children.items():
            descriptor = etype.model._meta.get_field(rel)
            child_model, parent_field = descriptor.related_model, descriptor.field.name
            for _i, values in sorted(by_index.items()):
                child_kwargs = {
                    f.name: _convert(f, values.get(f.name), resolve)
                    for f in schema.child_fields(child_model, parent_field)
                    if values.get(f.name) is not None
                }
                child_model.objects.create(**{parent_field: obj}, **child_kwargs)
        for rel in etype.many:
            codes = json.loads(e.values.get(rel) or "[]")
            getattr(obj, rel).set([made["Device"][c] for c in codes])
        made[etype.name][code] = obj
        created[etype.name] = created.get(etype.name, 0) + 1
        if etype.name == "Measurement" and obj.status == Status.QUEUED:
            announce_on_commit(obj.id, obj.kind)
            queued += 1
    return ImportReport(project.code, created, queued)


def _raw_row(raw: _Raw) -> RawFile:
    existing = RawFile.objects.filter(sha256=raw.sha).first()
    if existing is not None:
        return existing
    return RawFile.objects.create(
        sha256=raw.sha, size_bytes=len(raw.data), file=f"raw/{raw.sha[:2]}/{raw.sha}"
    )
