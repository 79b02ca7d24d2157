"""The downloadable template: pure, no database."""

from io import BytesIO

import openpyxl
import pytest

from fabrication.batch_sheets import columns, plan
from fabrication.batch_sheets.problems import BatchSheetError
from fabrication.batch_sheets.reader import read_workbook
from fabrication.batch_sheets.template import template_workbook
from fabrication.models import Device, LayerRole, StackLayer, Substrate, Variant

ROLES = ["Substrate", "ETL", "Absorber", "HTL", "Electrode"]
PARAMS = [
    "material",
    "method",
    "spin speed (rpm)",
    "spin time (s)",
    "coats",
    "anneal T (C)",
    "anneal time (min)",
    "anneal atmosphere",
    "thickness (nm)",
]


@pytest.fixture(scope="module")
def template():
    return openpyxl.load_workbook(BytesIO(template_workbook()))


def test_the_template_has_a_batch_a_devices_and_an_instructions_sheet(template):
    assert template.sheetnames == ["Batch", "Devices", "Instructions"]
    fields = [template["Batch"].cell(r, 1).value for r in range(2, 12)]
    assert fields == [
        "Code",
        "Name",
        "Date",
        "Description",
        "Operator",
        "Notes",
        "Glovebox O2 (ppm)",
        "Glovebox H2O (ppm)",
        "Relative humidity (%)",
        "Temperature (C)",
    ]
    assert (
        "one row per device"
        in " ".join(str(c.value) for c in template["Instructions"]["A"]).lower()
    )


def test_the_devices_header_lists_device_columns_then_every_layer_parameter_in_stack_order(
    template,
):
    header = [c.value for c in template["Devices"][1]]
    assert header[:9] == [
        "Variant",
        "Variant name",
        "Role",
        "Ink",
        "Substrate",
        "Pixel",
        "Active area (cm2)",
        "Mask area (cm2)",
        "Notes",
    ]
    assert header[9:] == [f"{role} {param}" for role in ROLES for param in PARAMS]


def test_the_header_is_styled_the_columns_sized_and_two_example_rows_given(template):
    ws = template["Devices"]
    assert all(
        c.font.bold
        and c.fill.fgColor.rgb.endswith(
            ("1F5FBF", "7A3E9D", "2E7D5B", "5B6B82", "B26A00", "8A6D1F")
        )
        for c in ws[1]
    )
    assert ws.column_dimensions["A"].width >= 10 and ws.column_dimensions["G"].width >= 18
    assert ws.freeze_panes == "C2"
    assert ws["F1"].comment.text == "e.g. P1"
    assert [ws.cell(r, 1).value for r in (2, 3)] == ["T", "C"]
    assert ws.cell(4, 1).value is None


def test_the_role_column_offers_a_list_of_the_four_roles(template):
    (validation,) = template["Devices"].data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == '"target,control,reference,other"'
    assert "C2:C5000" in str(validation.sqref)


def test_the_untouched_template_is_refused_because_the_batch_code_is_empty():
    with pytest.raises(BatchSheetError) as error:
        read_workbook(template_workbook())
    assert error.value.messages == ["sheet 'Batch', row 2, column B (Code): Code is missing"]


def test_the_parser_mirrors_the_models_choices_and_limits():
    assert set(plan.VARIANT_ROLES) == set(Variant.Role.values)
    assert {r for r, _ in plan.LAYER_ROLES} | {"other"} == set(LayerRole.values)
    assert plan.SUBSTRATE_LABEL_MAX == Substrate._meta.get_field("label").max_length
    assert plan.SUBSTRATE_MATERIAL_MAX == Substrate._meta.get_field("material").max_length
    assert plan.VARIANT_NAME_MAX == Variant._meta.get_field("name").max_length
    assert plan.PIXEL_MAX == Device._meta.get_field("pixel").max_length
    assert plan.CODE_MAX_LENGTH == Variant._meta.get_field("code").max_length
    for name, _, _, max_length in columns.LAYER_PARAMS:
        if max_length:
            assert StackLayer._meta.get_field(name).max_length == max_length
