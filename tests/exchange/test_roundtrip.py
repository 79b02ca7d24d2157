"""The round trip: export project A as .eln, import it into a new empty project, export that
again, and find the same crate (but for the dates of the import) and the same objects."""

from __future__ import annotations

import json

import pytest

from .helpers import nodes, unpack

# What must differ between the two exports: when each was made, and the project they name.
MOMENTS = {"dateCreated", "dateModified", "datePublished", "endTime"}
ROOT_NAMES = {"./", "ro-crate-metadata.json", "#ro-crate-created"}


def _comparable(metadata: dict, files: dict[str, bytes]) -> dict[str, dict]:
    out = {}
    for nid, node in nodes(metadata).items():
        if nid in ROOT_NAMES:
            continue
        node = {k: v for k, v in node.items() if k not in MOMENTS}
        if nid.endswith("/results.json"):
            # Re-analysed from the raw file: compared by content below, not by its bytes.
            node = {k: v for k, v in node.items() if k not in {"sha256", "contentSize"}}
        out[nid] = node
    return out


def _results(files: dict[str, bytes]) -> dict[str, dict]:
    return {p: json.loads(d) for p, d in files.items() if p.endswith("/results.json")}


def _db_state(project) -> dict[str, dict[str, dict]]:
    """Every object of the project by type and code, its fields as the crate writes them."""
    from exchange import schema
    from exchange.export import _field_value

    state = {}
    for etype in schema.TYPES:
        objs = {}
        for obj in etype.model.objects.filter(project=project):
            values = {
                f.name: _field_value(obj, f) for f in schema.data_fields(etype.model, etype.skipped)
            }
            values["created_by"] = obj.created_by.username if obj.created_by else None
            for rel in etype.children:
                values[rel] = [str(c) for c in getattr(obj, rel).all()]
            for rel in etype.many:
                values[rel] = sorted(getattr(obj, rel).values_list("code", flat=True))
            if etype.name == "Measurement":
                values["sha256"] = obj.raw_file.sha256
                values["status"] = obj.status
            objs[obj.code] = values
        state[etype.name] = objs
    return state


@pytest.mark.django_db(transaction=False)
def test_a_project_exported_imported_and_exported_again_gives_the_same_crate_and_objects(
    filled, django_capture_on_commit_callbacks
):
    from core.models import Membership, Project
    from exchange.export import export_project
    from exchange.importer import import_eln
    from measurements.models import Measurement, RawFile

    alpha, owner = filled["projects"]["a"], filled["users"]["owner"]
    first = export_project(alpha)
    raw_files_before = RawFile.objects.count()

    gamma = Project.objects.create(code="gamma", name="Gamma (imported)")
    Membership.objects.create(project=gamma, user=owner, role="manager")
    with django_capture_on_commit_callbacks(execute=True):
        report = import_eln(first, gamma, owner)
    assert report.created["Device"] == 8 and report.created["Measurement"] == 10
    assert report.measurements_queued == 9  # the attachment is kept, not analysed
    # The raw files are the same bytes: found by sha256, stored once.
    assert RawFile.objects.count() == raw_files_before
    assert not Measurement.objects.filter(project=gamma).exclude(status="succeeded").exists()

    second = export_project(gamma)
    _, meta1, files1, _ = unpack(first)
    _, meta2, files2, _ = unpack(second)
    graph1, graph2 = _comparable(meta1, files1), _comparable(meta2, files2)
    assert graph1.keys() == graph2.keys()
    different = [nid for nid in graph1 if graph1[nid] != graph2[nid]]
    assert not different, [(graph1[n], graph2[n]) for n in different[:3]]
    # The raw files travel byte for byte, and the re-analysis finds the same results.
    raws1 = {p: d for p, d in files1.items() if p.startswith("measurements/")}
    raws2 = {p: d for p, d in files2.items() if p.startswith("measurements/")}
    assert {p: d for p, d in raws1.items() if not p.endswith("results.json")} == {
        p: d for p, d in raws2.items() if not p.endswith("results.json")
    }
    assert _results(files1) == _results(files2)
    assert any(r["results"] and r["kind"] == "jv" for r in _results(files2).values())

    # And the database holds the same objects in both projects.
    assert _db_state(alpha) == _db_state(gamma)


def test_authors_are_matched_only_to_members_of_the_target_project(filled):
    from core.models import Membership, Project
    from exchange.export import export_project
    from exchange.importer import import_eln
    from fabrication.models import Synthesis
    from measurements.models import Measurement

    outsider = filled["users"]["outsider"]
    delta = Project.objects.create(code="delta", name="Delta")
    Membership.objects.create(project=delta, user=outsider, role="manager")
    import_eln(export_project(filled["projects"]["a"]), delta, outsider)
    # "owner" wrote them on the exporting side but is no member of delta: left blank, never
    # attributed to whoever holds that name here.
    assert Synthesis.objects.get(project=delta, code="A-PbS-1180").created_by is None
    assert not Measurement.objects.filter(project=delta, created_by__isnull=False).exists()

    Membership.objects.create(project=delta, user=filled["users"]["owner"], role="viewer")
    epsilon = Project.objects.create(code="epsilon", name="Epsilon")
    Membership.objects.create(project=epsilon, user=filled["users"]["owner"], role="member")
    Membership.objects.create(project=epsilon, user=outsider, role="manager")
    import_eln(export_project(filled["projects"]["a"]), epsilon, outsider)
    synthesis = Synthesis.objects.get(project=epsilon, code="A-PbS-1180")
    assert synthesis.created_by == filled["users"]["owner"]
