"""The API docs a lab reads before scripting an upload: /api/schema/ says what to send."""

from __future__ import annotations

import re

import pytest

from core import quantities

# What Swagger UI invents when a property has no example, and the upper bounds it fell back to.
PLACEHOLDERS = ["'string'", "10000", "10000.0", "1000", "1000.0"]  # as repr()


@pytest.fixture
def schema(world):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(world["users"]["owner"])
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _component(schema: dict, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _upload_body(schema: dict) -> dict:
    return schema["paths"]["/api/v1/measurements/"]["post"]["requestBody"]["content"]


def test_the_upload_is_a_multipart_form_whose_file_is_binary(schema):
    content = _upload_body(schema)
    assert list(content) == ["multipart/form-data"]
    upload = _component(schema, content["multipart/form-data"]["schema"]["$ref"])
    assert upload["properties"]["file"]["type"] == "string"
    assert upload["properties"]["file"]["format"] == "binary"
    assert "file" in upload["required"]


def test_the_zip_upload_and_its_manifest_are_binary_files_too(schema):
    content = schema["paths"]["/api/v1/measurements/bulk/"]["post"]["requestBody"]["content"]
    bulk = _component(schema, content["multipart/form-data"]["schema"]["$ref"])
    assert bulk["properties"]["file"]["format"] == "binary"
    assert bulk["properties"]["manifest"]["format"] == "binary"


def test_upload_fields_carry_a_labs_everyday_values_within_their_bounds(schema):
    upload = _component(schema, _upload_body(schema)["multipart/form-data"]["schema"]["$ref"])
    properties = upload["properties"]
    assert properties["area_cm2"]["example"] == 0.049
    assert properties["temperature_c"]["example"] == 25
    assert properties["irradiance_mw_cm2"]["example"] == 100
    assert properties["device"]["example"] == "B27/S3/P2"
    assert properties["kind"]["example"] == "jv"
    for name, prop in properties.items():
        if "example" in prop:
            assert repr(prop["example"]) not in PLACEHOLDERS, name
        if name in quantities.QUANTITIES:
            bounds = quantities.QUANTITIES[name]
            assert prop["minimum"] == bounds.minimum and prop["maximum"] == bounds.maximum
            assert bounds.minimum <= prop["example"] <= bounds.maximum, name


def test_every_example_in_the_schema_is_a_real_value_not_a_placeholder(schema):
    seen = 0
    for name, component in schema["components"]["schemas"].items():
        for field, prop in component.get("properties", {}).items():
            if "example" in prop:
                seen += 1
                assert repr(prop["example"]) not in PLACEHOLDERS, f"{name}.{field}"
                if prop.get("type") == "string":
                    assert isinstance(prop["example"], str), f"{name}.{field}"
    assert seen > 40


def test_a_devices_area_has_the_uploads_bounds_and_a_realistic_example(schema):
    device = schema["components"]["schemas"]["Device"]["properties"]
    area = quantities.QUANTITIES["area_cm2"]
    assert device["active_area_cm2"]["minimum"] == area.minimum
    assert device["active_area_cm2"]["maximum"] == area.maximum
    assert device["active_area_cm2"]["example"] == 0.049
    assert device["code"]["example"] == "B27/S3/P2"


def test_the_upload_and_the_list_have_their_own_descriptions(schema):
    operations = schema["paths"]["/api/v1/measurements/"]
    upload, listing = operations["post"], operations["get"]
    assert "multipart" in upload["description"] and "400" in upload["description"]
    assert upload["description"] != listing["description"]
    assert upload["summary"] == "Upload a measurement file"
    assert listing["summary"] == "List measurements"


# The resources documented here (lists, details and the upload's actions); endpoints added
# elsewhere are documented where they are built.
DOCUMENTED = re.compile(
    r"^/api/v1/(measurements|projects|syntheses|recipes|ligand-exchanges|stacks|batches|"
    r"variants|substrates|devices|films|results)/(\{id\}/)?$"
    r"|^/api/v1/measurements/(bulk/|\{id\}/(raw|reanalyse)/)$"
    r"|^/api/v1/devices/\{code\}/losses/$"
    r"|^/api/v1/insights/(variance|importance)/$"
)


def test_no_two_operations_share_a_description_and_each_has_a_tag(schema):
    descriptions = {}
    checked = 0
    for path, operations in schema["paths"].items():
        if not DOCUMENTED.match(path):
            continue
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("description"), where
            assert operation.get("summary"), where
            assert operation["tags"] != ["v1"], where
            descriptions.setdefault(operation["description"], []).append(where)
            checked += 1
    shared = {text: where for text, where in descriptions.items() if len(where) > 1}
    assert not shared
    assert checked > 40


def test_operations_are_grouped_by_what_a_lab_does(schema):
    tags = {
        tag
        for operations in schema["paths"].values()
        for operation in operations.values()
        for tag in operation["tags"]
    }
    assert {"measurements", "fabrication", "analysis", "insights", "projects"} <= tags
