"""The exported .eln against TheELNConsortium's specification and RO-Crate 1.1: the entities
they require, every reference resolvable, every file present with its stated size and hash."""

from __future__ import annotations

import hashlib
import zipfile

from .helpers import nodes, unpack

EXTERNAL = ("http://", "https://")


def _references(value, found: list[str]) -> None:
    if isinstance(value, dict):
        if set(value) == {"@id"}:
            found.append(value["@id"])
        else:
            for v in value.values():
                _references(v, found)
    elif isinstance(value, list):
        for v in value:
            _references(v, found)


def _types(node: dict) -> list[str]:
    t = node.get("@type")
    return t if isinstance(t, list) else [t]


def test_the_project_eln_holds_the_entities_the_specification_requires(filled, tmp_path):
    from exchange.export import export_project

    data = export_project(filled["projects"]["a"], site="https://lab.example.org/")
    top, meta, files, names = unpack(data)
    # One folder at the root of the zip, everything inside it, the metadata file in it.
    assert {n.split("/")[0] for n in names} == {top} and top == "cqdlab-alpha"
    assert all(n.startswith(f"{top}/") for n in names)
    assert meta["@context"] == "https://w3id.org/ro/crate/1.1/context"
    graph = nodes(meta)
    ids = [n["@id"] for n in meta["@graph"]]
    assert len(ids) == len(set(ids)), "every @id is unique"
    assert all(isinstance(n.get("@type"), (str, list)) for n in meta["@graph"])

    descriptor = graph["ro-crate-metadata.json"]
    assert "CreativeWork" in _types(descriptor)
    assert descriptor["about"] == {"@id": "./"}
    assert descriptor["conformsTo"] == {"@id": "https://w3id.org/ro/crate/1.1"}
    # The consortium's checker makes these two mandatory on the descriptor.
    assert descriptor["version"] and descriptor["sdPublisher"]["@id"] in graph
    publisher = graph[descriptor["sdPublisher"]["@id"]]
    assert publisher["@type"] == "Organization" and publisher["name"] and publisher["url"]

    root = graph["./"]
    assert "Dataset" in _types(root) and root["datePublished"] and root["identifier"] == "alpha"
    assert isinstance(root["hasPart"], list) and root["hasPart"]
    action = graph["#ro-crate-created"]
    assert action["@type"] == "CreateAction" and action["object"] == {"@id": "./"}
    software = graph[action["instrument"]["@id"]]
    assert software["@type"] == "SoftwareApplication" and software["version"]

    # Every reference resolves to an entity of the crate (or is an absolute URI).
    refs: list[str] = []
    for node in meta["@graph"]:
        for key, value in node.items():
            if key != "@id":
                _references(value, refs)
    dangling = {r for r in refs if r not in graph and not r.startswith(EXTERNAL)}
    assert not dangling

    datasets = [n for n in meta["@graph"] if "Dataset" in _types(n) and n["@id"] != "./"]
    data_files = [n for n in meta["@graph"] if "File" in _types(n)]
    assert {p["@id"] for p in root["hasPart"]} == {d["@id"] for d in datasets}
    folders = {n[len(top) + 1 :] for n in names if n.endswith("/")}
    for d in datasets:
        assert d["name"] and isinstance(d["identifier"], str), d["@id"]
        assert d["@id"] in folders, f"{d['@id']} is a folder of the archive"
        assert isinstance(d["hasPart"], list)
        # "A Dataset MUST not contain other Datasets in its hasPart section."
        assert all("File" in _types(graph[p["@id"]]) for p in d["hasPart"])
        assert not isinstance(d.get("keywords", ""), list)
        if "author" in d:
            assert graph[d["author"]["@id"]]["@type"] == "Person"
    for f in data_files:
        body = files[f["@id"]]  # the path exists in the archive
        assert f["name"] and f["encodingFormat"]
        assert f["contentSize"] == str(len(body))
        assert f["sha256"] == hashlib.sha256(body).hexdigest()
    contextual = [n for n in meta["@graph"] if set(_types(n)) & {"Person", "PropertyValue"}]
    assert all(n["@id"].startswith("#") for n in contextual)

    # rocrate, the library, reads the unpacked crate back.
    from rocrate.rocrate import ROCrate

    zipfile.ZipFile(__import__("io").BytesIO(data)).extractall(tmp_path)
    crate = ROCrate(tmp_path / top)
    assert crate.root_dataset["identifier"] == "alpha"
    assert len(list(crate.data_entities)) == len(datasets) + len(data_files)


def test_the_crate_carries_the_hierarchy_the_fields_with_units_and_the_raw_bytes(filled):
    from exchange.export import export_project
    from measurements.models import Measurement

    a = filled["a"]
    _, meta, files, _ = unpack(export_project(filled["projects"]["a"]))
    graph = nodes(meta)
    by_code = {n.get("identifier"): n for n in meta["@graph"] if n.get("additionalType")}
    device = by_code["A-B1/TS1/P1"]
    assert device["additionalType"] == "cqdlab:Device"
    chain = [device]
    while chain[-1].get("isPartOf"):
        chain.append(graph[chain[-1]["isPartOf"][0]["@id"]])
    assert [n["identifier"] for n in chain] == ["A-B1/TS1/P1", "A-B1/TS1", "A-B1/T", "A-B1"]
    variant = chain[2]
    ink = graph[variant["isBasedOn"][0]["@id"]]
    assert ink["identifier"] == "A-RUN1"
    assert {graph[r["@id"]]["identifier"] for r in ink["isBasedOn"]} == {"A-PbS-1180", "A-LX-v1"}
    # A parent mentions its children.
    assert {"@id": device["@id"]} in chain[1]["mentions"]

    def props(node):
        return {graph[r["@id"]]["propertyID"]: graph[r["@id"]] for r in node["variableMeasured"]}

    synthesis = props(by_code["A-PbS-1180"])
    assert synthesis["injection_temperature_c"]["value"] == 120
    assert synthesis["injection_temperature_c"]["unitText"] == "°C"
    assert synthesis["target_exciton_peak_nm"]["unitText"] == "nm"
    assert synthesis["precursors.1.name"]["value"] == "TMS-S"
    assert props(device)["active_area_cm2"] == {
        **props(device)["active_area_cm2"],
        "value": 0.05,
        "unitText": "cm²",
    }
    author = graph[by_code["A-PbS-1180"]["author"]["@id"]]
    assert author["@type"] == "Person" and author["identifier"] == "owner"

    m = Measurement.objects.get(device=a.devices[0], original_filename="p1_rev.txt")
    node = by_code[m.code]
    assert graph[node["isPartOf"][0]["@id"]]["identifier"] == "A-B1/TS1/P1"
    raw, results = (graph[p["@id"]] for p in node["hasPart"])
    assert files[raw["@id"]] == m.raw_file.file.read()  # bytes exactly as uploaded
    assert raw["name"] == "p1_rev.txt" and raw["encodingFormat"] == "text/plain"
    assert results["encodingFormat"] == "application/json"
    assert b'"pce_percent"' in files[results["@id"]]
    picture = Measurement.objects.get(kind="attachment")
    picture_file = graph[by_code[picture.code]["hasPart"][0]["@id"]]
    # A name with a space is made safe for the path (and @id); the name keeps the original.
    assert picture_file["@id"].endswith(".png") and " " not in picture_file["@id"]
    assert picture_file["name"] == "sem image.png"
    assert picture_file["encodingFormat"] == "image/png"


def test_a_batch_export_brings_what_its_devices_came_from_and_nothing_of_other_batches(filled):
    from exchange.export import export_batch
    from fabrication.models import Batch

    a, project = filled["a"], filled["projects"]["a"]
    Batch.objects.create(project=project, code="A-B2", name="another batch")
    _, meta, _, _ = unpack(export_batch(a.batch))
    codes = {n["identifier"] for n in meta["@graph"] if n.get("additionalType")}
    assert {"A-B1", "A-B1/T", "A-B1/TS1/P1", "A-RUN1", "A-PbS-1180", "A-LX-v1", "A-STACK"} <= codes
    assert "A-ZnO" in codes  # a layer recipe the stack's layers name
    assert "A-B2" not in codes and not any(c.startswith("B-") for c in codes)
    assert "A-STUDY" not in codes  # a study may hold devices of other batches
