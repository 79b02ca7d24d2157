"""Export a project or a batch as an .eln file: a zip holding one folder with an RO-Crate 1.1
(``ro-crate-metadata.json``, built and serialised with the ``rocrate`` library) as
TheELNConsortium's file-format specification describes, the raw files exactly as uploaded and
each measurement's results as JSON.

Layout, inside the one top folder::

    ro-crate-metadata.json
    syntheses/<code>/                      a Dataset per object, fields as PropertyValues
    batches/<code>/ ... devices/<code>/
    measurements/<code>/<file as uploaded>  the raw bytes (sha256, contentSize, encodingFormat)
    measurements/<code>/results.json        the analysis results

rocrate writes a crate's files at the zip's root, and the .eln format wants them in one
folder: the archive is assembled here, from the graph rocrate generates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import mimetypes
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone
from rocrate.model.contextentity import ContextEntity
from rocrate.rocrate import ROCrate

from core.models import Project, ProjectOwned
from fabrication.models import Batch, Device, Film, Substrate, Variant
from measurements.hooks import results_for
from measurements.models import Measurement

from . import schema

RESULTS_NAME = "results.json"


@dataclass
class _Member:
    path: str  # inside the top folder
    data: bytes


@dataclass
class Crate:
    """A crate being built: rocrate's object and the bytes of the files it lists."""

    top: str
    crate: ROCrate
    members: list[_Member] = field(default_factory=list)
    persons: set[str] = field(default_factory=set)


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _json_value(value: Any) -> Any:
    """A field's value as a PropertyValue's value: text, number or boolean."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def _dataset_id(obj: models.Model) -> str:
    etype = schema.BY_MODEL[type(obj)]
    return f"{etype.folder}/{schema.path_part(obj.code)}/"


def _person(state: Crate, user) -> dict | None:
    if user is None:
        return None
    pid = f"#person-{schema.path_part(user.get_username())}"
    if pid not in state.persons:
        state.persons.add(pid)
        name = user.get_full_name() or user.get_username()
        props = {"@type": "Person", "name": name, "identifier": user.get_username()}
        if user.first_name:
            props["givenName"] = user.first_name
        if user.last_name:
            props["familyName"] = user.last_name
        state.crate.add(ContextEntity(state.crate, pid, properties=props))
    return {"@id": pid}


def _property(state: Crate, owner_id: str, name: str, label: str, value: Any, unit: str | None):
    pid = f"#pv-{owner_id.rstrip('/').replace('/', '-')}-{name}"
    props: dict[str, Any] = {
        "@type": "PropertyValue",
        "propertyID": name,
        "name": label,
        "value": _json_value(value),
    }
    if unit:
        props["unitText"] = unit
    state.crate.add(ContextEntity(state.crate, pid, properties=props))
    return {"@id": pid}


def _field_value(obj: models.Model, f) -> Any:
    """A field's value; a related lab object by its code, a user by its name."""
    if f.is_relation:
        related = getattr(obj, f.name)
        if related is None:
            return None
        if isinstance(related, ProjectOwned):
            return related.code
        if hasattr(related, "get_username"):
            return related.get_username()
        return None
    return getattr(obj, f.attname)


def _properties(state: Crate, obj: models.Model, etype: schema.EntityType, did: str) -> list:
    out = []
    for f in schema.data_fields(etype.model, etype.skipped):
        value = _field_value(obj, f)
        if value is None or value == "":
            continue
        unit = None if f.is_relation else schema.unit_of(f.name)
        out.append(_property(state, did, f.name, str(f.verbose_name), value, unit))
    for rel in etype.children:
        accessor = getattr(obj, rel)
        parent_field = etype.model._meta.get_field(rel).field.name
        for i, child in enumerate(accessor.all()):
            for f in schema.child_fields(type(child), parent_field):
                value = _field_value(child, f)
                if value is None or value == "":
                    continue
                unit = None if f.is_relation else schema.unit_of(f.name)
                name = f"{rel}.{i}.{f.name}"
                out.append(
                    _property(state, did, name, f"{rel} {i + 1}: {f.verbose_name}", value, unit)
                )
    for rel in etype.many:
        codes = sorted(getattr(obj, rel).values_list("code", flat=True))
        out.append(_property(state, did, rel, rel, json.dumps(codes), None))
    return out


def _links(obj: models.Model, names) -> list[dict]:
    out = []
    for name in names if isinstance(names, tuple) else (names,):
        related = getattr(obj, name, None)
        if related is not None:
            out.append({"@id": _dataset_id(related)})
    return out


def _add_dataset(state: Crate, obj: models.Model) -> None:
    etype = schema.BY_MODEL[type(obj)]
    did = _dataset_id(obj)
    props: dict[str, Any] = {
        "name": str(getattr(obj, "name", "") or obj.code),
        "identifier": obj.code,
        "additionalType": f"{schema.TYPE_PREFIX}{etype.name}",
        "dateCreated": _iso(obj.created_at),
        "dateModified": _iso(obj.updated_at),
        "variableMeasured": _properties(state, obj, etype, did),
        "hasPart": [],
    }
    author = _person(state, obj.created_by)
    if author:
        props["author"] = author
    part_of = _links(obj, schema.PART_OF.get(etype.name, ()))
    if part_of:
        props["isPartOf"] = part_of
    based_on = _links(obj, schema.BASED_ON.get(etype.name, ()))
    if based_on:
        props["isBasedOn"] = based_on
    state.crate.add_dataset(source=None, dest_path=did, properties=props)


def _add_file(state: Crate, path: str, data: bytes, props: dict[str, Any]) -> dict:
    props = {
        **props,
        "contentSize": str(len(data)),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    state.crate.add_file(source=None, dest_path=path, properties=props)
    state.members.append(_Member(path, data))
    return {"@id": path}


def _encoding(filename: str) -> str:
    guessed, _ = mimetypes.guess_type(filename)
    return guessed or "application/octet-stream"


def _codes_for_ids(value: Any, codes: dict[int, str]) -> Any:
    """Results name other measurements (a hysteresis pair) by database id, which means
    nothing outside this server: the crate names them by code."""
    if isinstance(value, dict):
        return {
            k: codes.get(v, v)
            if k == "measurement" and isinstance(v, int) and not isinstance(v, bool)
            else _codes_for_ids(v, codes)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_codes_for_ids(v, codes) for v in value]
    return value


def _add_measurement_files(state: Crate, measurements: list[Measurement]) -> None:
    results = results_for(measurements)
    codes = dict(
        Measurement.objects.filter(project_id__in={m.project_id for m in measurements}).values_list(
            "id", "code"
        )
    )
    for m in measurements:
        did = _dataset_id(m)
        data = m.raw_file.file.open("rb").read()
        m.raw_file.file.close()
        raw_name = schema.path_part(m.original_filename)
        if raw_name == RESULTS_NAME:  # the results' name is taken in the folder
            raw_name = f"raw-{raw_name}"
        raw = _add_file(
            state,
            f"{did}{raw_name}",
            data,
            {
                "name": m.original_filename,
                "description": f"Raw {m.kind} file, exactly as uploaded",
                "encodingFormat": _encoding(m.original_filename),
                "dateCreated": _iso(m.raw_file.created_at),
            },
        )
        body = {
            "measurement": m.code,
            "kind": m.kind,
            "status": m.status,
            "analysis_version": m.analysis_version,
            "error": m.error,
            "results": _codes_for_ids(results.get(m.pk), codes),
        }
        result = _add_file(
            state,
            f"{did}{RESULTS_NAME}",
            json.dumps(body, sort_keys=True, indent=1, ensure_ascii=False).encode(),
            {
                "name": RESULTS_NAME,
                "description": f"Analysis results of {m.code} (analysis {m.analysis_version})",
                "encodingFormat": "application/json",
            },
        )
        state.crate.dereference(did)["hasPart"] = [raw, result]


def _closure(seed: Iterable[models.Model], project_id: int) -> dict[type, dict[int, models.Model]]:
    """The seed objects and every lab object they refer to, transitively (a batch brings its
    inks, syntheses, recipes and their earlier versions, stacks and chemicals), so an import
    finds every code a crate names inside it."""
    found: dict[type, dict[int, models.Model]] = {t.model: {} for t in schema.TYPES}
    todo = list(seed)
    while todo:
        obj = todo.pop()
        model = type(obj)
        # Never another project's object, even where a link would cross (an export is read
        # by whoever may read this project).
        if model not in found or obj.pk in found[model] or obj.project_id != project_id:
            continue
        found[model][obj.pk] = obj
        etype = schema.BY_MODEL[model]
        rows = [(obj, schema.data_fields(model, etype.skipped))]
        for rel in etype.children:
            parent_field = model._meta.get_field(rel).field.name
            for child in getattr(obj, rel).all():
                rows.append((child, schema.child_fields(type(child), parent_field)))
        for row, fields in rows:
            for f in fields:
                if f.is_relation and f.related_model in found:
                    related = getattr(row, f.name)
                    if related is not None:
                        todo.append(related)
    return found


def _loaded(etype: schema.EntityType) -> models.QuerySet:
    """The type's objects with what the crate reads of them in a fixed number of queries:
    the objects they name (written by code), their author, their child rows."""
    related = [f.name for f in schema.data_fields(etype.model, etype.skipped) if f.is_relation] + [
        "created_by"
    ]
    return etype.model.objects.select_related(*related).prefetch_related(
        *etype.children, *etype.many
    )


def objects_of_project(project: Project) -> dict[type, dict[int, models.Model]]:
    seed: list[models.Model] = []
    for etype in schema.TYPES:
        seed += list(_loaded(etype).filter(project=project))
    return _closure(seed, project.id)


def objects_of_batch(batch: Batch) -> dict[type, dict[int, models.Model]]:
    devices = list(Device.objects.filter(substrate__batch=batch))
    films = list(Film.objects.filter(batch=batch))
    seed: list[models.Model] = [batch, *devices, *films]
    seed += list(Variant.objects.filter(batch=batch))
    seed += list(Substrate.objects.filter(batch=batch))
    measurements = Measurement.objects.filter(
        models.Q(device__in=devices) | models.Q(film__in=films)
    )
    seed += list(measurements)
    found = _closure(seed, batch.project_id)
    # The syntheses the batch's inks came from bring their own measurements (absorbance, PL).
    syntheses = list(found[schema.BY_NAME["Synthesis"].model].values())
    more = Measurement.objects.filter(synthesis__in=syntheses)
    found = _closure([*seed, *more], batch.project_id)
    return found


def _sorted(objs: Iterable[models.Model]) -> list[models.Model]:
    def key(o):
        return (getattr(o, "version", 0) or 0, o.code)

    return sorted(objs, key=key)


def build(
    project: Project, found: dict[type, dict[int, models.Model]], title: str, site: str = ""
) -> bytes:
    """The .eln archive of these objects, as bytes; ``site`` is the server's address, the
    publisher's url."""
    crate = ROCrate(gen_preview=False, version="1.1")
    top = schema.path_part(title)
    state = Crate(top=top, crate=crate)
    now = timezone.now()
    crate.add(
        ContextEntity(
            crate,
            schema.PUBLISHER_ID,
            properties={
                "@type": "Organization",
                "name": "cqdlab",
                **({"url": site} if site else {}),
            },
        )
    )
    crate.add(
        ContextEntity(
            crate,
            schema.SOFTWARE_ID,
            properties={
                "@type": "SoftwareApplication",
                "name": "cqdlab",
                "version": schema.FORMAT_VERSION,
                "identifier": schema.FORMAT_NAME,
            },
        )
    )
    crate.add(
        ContextEntity(
            crate,
            schema.CREATE_ACTION_ID,
            properties={
                "@type": "CreateAction",
                "name": f"Export of {title} from cqdlab",
                "instrument": {"@id": schema.SOFTWARE_ID},
                "object": {"@id": "./"},
                "result": {"@id": "./"},
                "endTime": now.isoformat(),
                "actionStatus": {"@id": "http://schema.org/CompletedActionStatus"},
            },
        )
    )
    md = crate.metadata
    md["sdPublisher"] = {"@id": schema.PUBLISHER_ID}
    md["version"] = schema.FORMAT_VERSION
    md["dateCreated"] = now.isoformat()
    root = crate.root_dataset
    root["name"] = title
    root["identifier"] = project.code
    root["description"] = f"cqdlab project {project.code}: {project.name}"
    root["datePublished"] = now.isoformat()
    root["dateCreated"] = _iso(project.created_at)
    root["mentions"] = [{"@id": schema.CREATE_ACTION_ID}]

    datasets: list[str] = []
    for etype in schema.TYPES:
        for obj in _sorted(found[etype.model].values()):
            _add_dataset(state, obj)
            datasets.append(_dataset_id(obj))
    measurements = sorted(found[Measurement].values(), key=lambda m: m.code)
    measurements = list(
        Measurement.objects.filter(pk__in=[m.pk for m in measurements])
        .select_related("raw_file")
        .order_by("code")
    )
    _add_measurement_files(state, measurements)
    # Each parent mentions its children (the spec keeps Datasets out of a Dataset's hasPart).
    children: dict[str, list[dict]] = {}
    for did in datasets:
        entity = crate.dereference(did)
        for link in entity.get("isPartOf") or []:
            target = link.id if hasattr(link, "id") else link["@id"]
            children.setdefault(target, []).append({"@id": did})
    for parent, kids in children.items():
        entity = crate.dereference(parent)
        if entity is not None:
            entity["mentions"] = kids
    root["hasPart"] = [{"@id": did} for did in datasets]
    metadata = crate.metadata.generate()
    return _zip(top, metadata, state.members, datasets)


def _zip(top: str, metadata: dict, members: list[_Member], folders: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{top}/", b"")
        for folder in folders:
            archive.writestr(f"{top}/{folder}", b"")  # every Dataset is a folder
        text = json.dumps(metadata, indent=1, ensure_ascii=False)
        archive.writestr(f"{top}/ro-crate-metadata.json", text.encode())
        for member in members:
            archive.writestr(f"{top}/{member.path}", member.data)
    return buffer.getvalue()


def export_project(project: Project, site: str = "") -> bytes:
    return build(project, objects_of_project(project), f"cqdlab-{project.code}", site)


def export_batch(batch: Batch, site: str = "") -> bytes:
    return build(batch.project, objects_of_batch(batch), f"cqdlab-{batch.code}", site)


def file_name(title: str) -> str:
    return f"{schema.path_part(title)}.eln"
