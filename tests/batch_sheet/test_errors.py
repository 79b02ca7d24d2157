"""Every problem names its sheet, row and column; all are listed; nothing is stored."""

import pytest

from fabrication.batch_sheets.problems import BatchSheetError
from fabrication.batch_sheets.reader import read_workbook

from .sheets import BATCH, device, filled_template, save


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(BatchSheetError) as error:
        read_workbook(data)
    return error.value.messages


def test_a_missing_batch_code_names_the_batch_sheet_row_and_column():
    assert problems_of(filled_template(batch={**BATCH, "Code": None})) == [
        "sheet 'Batch', row 2, column B (Code): Code is missing"
    ]


def test_a_duplicate_device_names_both_rows():
    rows = [device("T", "S1", "P1"), device("T", "S1", "P2"), device("T", "S1", "P1")]
    assert problems_of(filled_template(devices=rows)) == [
        "sheet 'Devices', row 4, column F (Pixel): substrate S1 pixel P1 is already on row 2: "
        "a duplicate device"
    ]


def test_a_non_numeric_area_names_its_cell():
    rows = [device("T", "S1", "P1"), device("T", "S1", "P2", area="big")]
    assert problems_of(filled_template(devices=rows)) == [
        "sheet 'Devices', row 3, column G (Active area (cm2)): 'big' is not a number"
    ]


def test_a_decimal_comma_is_refused_with_a_hint():
    (problem,) = problems_of(filled_template(devices=[device("T", "S1", "P1", area="0,05")]))
    assert "column G (Active area (cm2)): '0,05' is not a number (use a decimal point" in problem


def test_a_zero_area_and_a_fractional_spin_speed_are_refused():
    rows = [device("T", "S1", "P1", area=0, **{"Absorber spin speed (rpm)": 2500.5})]
    assert problems_of(filled_template(devices=rows)) == [
        "sheet 'Devices', row 2, column G (Active area (cm2)): 0 must be greater than 0",
        "sheet 'Devices', row 2, column AD (Absorber spin speed (rpm)): 2500.5 must be a whole "
        "number",
    ]


def test_an_unknown_role_names_its_cell_and_the_allowed_roles():
    assert problems_of(filled_template(devices=[device("T", "S1", "P1", Role="champion")])) == [
        "sheet 'Devices', row 2, column C (Role): unknown role 'champion': use one of target, "
        "control, reference, other"
    ]


def test_rows_of_one_variant_that_disagree_on_a_layer_are_refused_naming_both_rows():
    rows = [device("T", "S1", "P1"), device("T", "S2", "P1", **{"Absorber anneal T (C)": 90})]
    assert problems_of(filled_template(devices=rows)) == [
        "sheet 'Devices', row 3, column AG (Absorber anneal T (C)): variant T: rows 2 and 3 "
        "disagree ('70' on row 2, '90' here); every row of a variant repeats its name, role, "
        "ink and layers"
    ]


def test_rows_of_one_variant_that_disagree_on_the_ink_are_refused():
    rows = [device("T", "S1", "P1"), device("T", "S2", "P1", Ink="A-RUN9")]
    (problem,) = problems_of(filled_template(devices=rows))
    assert problem.startswith("sheet 'Devices', row 3, column D (Ink): variant T: rows 2 and 3")


def test_a_substrate_in_two_variants_is_refused():
    rows = [device("T", "S1", "P1"), device("C", "S1", "P2")]
    assert problems_of(filled_template(devices=rows)) == [
        "sheet 'Devices', row 3, column A (Variant): substrate S1 is in variant T on row 2; "
        "a substrate belongs to one variant"
    ]


def test_a_layer_with_parameters_but_no_material_is_refused():
    rows = [device("T", "S1", "P1", **{"HTL material": None})]
    assert problems_of(filled_template(devices=rows)) == [
        "sheet 'Devices', row 2, column AK (HTL material): the HTL layer has parameters but no "
        "material"
    ]


def test_a_slash_in_a_code_and_a_bad_date_are_refused():
    problems = problems_of(
        filled_template(batch={**BATCH, "Date": "24/03/2025"}, devices=[device("T", "S1/2", "P1")])
    )
    assert problems == [
        "sheet 'Batch', row 4, column B (Date): '24/03/2025' is not a date (use YYYY-MM-DD)",
        "sheet 'Devices', row 2, column E (Substrate): 'S1/2' contains '/', which separates "
        "the parts of cqdlab codes",
    ]


def test_missing_required_cells_are_named():
    rows = [device("T", None, "P1"), device(None, "S2", None, area=None)]
    assert problems_of(filled_template(devices=rows)) == [
        "sheet 'Devices', row 2, column E (Substrate): Substrate is missing",
        "sheet 'Devices', row 3, column A (Variant): Variant is missing",
        "sheet 'Devices', row 3, column F (Pixel): Pixel is missing",
        "sheet 'Devices', row 3, column G (Active area (cm2)): Active area (cm2) is missing",
    ]


def test_unknown_fields_and_columns_are_named():
    def edit(wb):
        wb["Batch"]["A20"] = "Colour"
        wb["Devices"]["BC1"] = "Absorber spin sped (rpm)"

    problems = problems_of(filled_template(edit=edit))
    assert problems[0].startswith(
        "sheet 'Batch', row 20, column A (Field): unknown field 'Colour'; the fields are Code, Name"
    )
    assert problems[1] == (
        "sheet 'Devices', row 1, column BC (Absorber spin sped (rpm)): "
        "unknown column 'Absorber spin sped (rpm)' (download the template "
        "for the column names)"
    )


def test_a_missing_required_column_is_named():
    def edit(wb):
        wb["Devices"].delete_cols(7)

    assert problems_of(filled_template(edit=edit)) == [
        "sheet 'Devices', row 1, column 'Active area (cm2)': "
        "the 'Active area (cm2)' column is missing"
    ]


def test_codes_longer_than_80_characters_are_refused():
    problems = problems_of(filled_template(batch={**BATCH, "Code": "B" * 76}))
    assert problems[0] == (
        f"sheet 'Devices', row 2, column A (Variant): the stack code {'B' * 76}"
        "/T-stack would be longer than 80 characters; shorten the batch or "
        "variant code"
    )
    assert (
        f"sheet 'Devices', row 2, column F (Pixel): the device code {'B' * 76}/S1/P1 would "
        "be longer than 80 characters" in problems
    )


def test_all_problems_are_collected_up_to_twenty_then_counted():
    rows = [device("T", f"S{i}", "P1", area="x") for i in range(30)]
    with pytest.raises(BatchSheetError) as error:
        read_workbook(filled_template(batch={**BATCH, "Code": None}, devices=rows))
    assert len(error.value.problems) == 20 and error.value.more == 11
    assert error.value.messages[-1] == "... and 11 more problem(s)"
    assert error.value.messages[0].startswith("sheet 'Batch', row 2")


def test_a_file_that_is_not_a_workbook_is_refused():
    (problem,) = problems_of(b"Voltage (V)\tCurrent (A)\n0.1\t0.002\n")
    assert problem.startswith("workbook: The file could not be read as an .xlsx workbook")


def test_a_workbook_of_neither_layout_is_refused():
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "Voltage"
    (problem,) = problems_of(save(wb))
    assert "neither a cqdlab batch sheet" in problem


def test_an_empty_devices_sheet_is_refused():
    assert problems_of(filled_template(devices=[])) == [
        "sheet 'Devices', row 2: there are no device rows"
    ]
