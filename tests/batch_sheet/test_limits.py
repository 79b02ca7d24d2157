"""Bounded work on hostile workbooks: a sheet's stated size is checked before any row is read,
reading stops at the caps when the stated size lies, and a workbook that unpacks to too much is
refused before openpyxl opens it. Numbers in cells are finite and, where they are measurement
conditions, within the bounds every upload path uses (core.quantities)."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl.styles import Font
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from fabrication.batch_sheets import reader
from fabrication.batch_sheets.cells import MAX_COLUMNS, MAX_ROWS, MAX_WHOLE
from fabrication.batch_sheets.problems import BatchSheetError
from fabrication.batch_sheets.reader import ROW_LIMIT, read_workbook
from fabrication.models import Batch

from .sheets import BATCH, device, filled_template

EXCEL_LAST_ROW = 1_048_576
EXCEL_LAST_COLUMN = 16_384  # XFD


@pytest.fixture
def rows_read(monkeypatch) -> Counter:
    """Rows openpyxl hands the reader, per sheet: the work a sheet costs, counted."""
    counts: Counter = Counter()
    original = ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for row in original(self, *args, **kwargs):
            counts[self.title] += 1
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    return counts


def without_dimensions(data: bytes) -> bytes:
    """The workbook with every sheet's stated size (<dimension>) removed, as some writers do."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = re.sub(rb"<dimension [^>]*/>", b"", content)
            target.writestr(item, content)
    return out.getvalue()


def messages_of(data: bytes) -> list[str]:
    with pytest.raises(BatchSheetError) as error:
        read_workbook(data)
    return error.value.messages


def a_cell_at(row: int, column: int, value: object = "x") -> bytes:
    return filled_template(edit=lambda wb: wb["Devices"].cell(row, column, value))


def test_a_sheet_that_states_a_million_rows_is_refused_before_any_row_is_read(rows_read):
    assert messages_of(a_cell_at(EXCEL_LAST_ROW, 1)) == [
        f"sheet 'Devices': the sheet reaches row 1,048,576; the limit is {MAX_ROWS} rows below "
        "the header: split the batch, or delete the empty rows under the data and save again"
    ]
    assert rows_read["Devices"] == 0


def test_a_sheet_that_hides_its_size_is_read_no_further_than_the_row_cap(rows_read):
    data = without_dimensions(a_cell_at(EXCEL_LAST_ROW, 1))
    assert messages_of(data) == [
        f"sheet 'Devices', row {ROW_LIMIT + 1}: the sheet has more than {MAX_ROWS} rows below "
        "the header: split the batch, or delete the empty rows under the data and save again"
    ]
    # openpyxl makes a blank row for each missing one: the million are never asked for.
    assert rows_read["Devices"] == ROW_LIMIT + 1


def test_a_sheet_that_states_too_many_columns_is_refused_before_any_row_is_read(rows_read):
    assert messages_of(a_cell_at(2, EXCEL_LAST_COLUMN)) == [
        f"sheet 'Devices': the sheet reaches column XFD; the limit is {MAX_COLUMNS} columns: "
        "delete the columns right of the data and save again"
    ]
    assert rows_read["Devices"] == 0


def test_a_value_past_the_column_cap_in_a_sheet_that_hides_its_size_is_named():
    data = without_dimensions(a_cell_at(2, EXCEL_LAST_COLUMN))
    assert messages_of(data) == [
        f"sheet 'Devices', row 2, column XFD: a value beyond column ALL; the limit is "
        f"{MAX_COLUMNS} columns"
    ]


def test_formatted_empty_cells_past_the_column_cap_are_ignored():
    def bold_far_right(wb):
        wb["Devices"].cell(2, EXCEL_LAST_COLUMN).font = Font(bold=True)

    data = without_dimensions(filled_template(edit=bold_far_right))
    assert b'r="XFD2"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet2.xml")
    plan = read_workbook(data)
    assert plan.code == "B-NEW" and len(plan.substrates) == 5


def test_a_workbook_that_unpacks_past_the_cap_is_refused_before_it_is_opened(monkeypatch):
    monkeypatch.setattr(reader, "MAX_UNPACKED_MB", 1)
    source = zipfile.ZipFile(io.BytesIO(filled_template()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/sharedStrings.xml", b"<sst>" + b"<si><t>a</t></si>" * 200_000)
    opened = []
    monkeypatch.setattr(reader, "load_workbook", lambda *a, **k: opened.append(1))
    (message,) = messages_of(out.getvalue())
    assert message.startswith("workbook: The workbook unpacks to 3 MB of XML, more than the 1 MB")
    assert opened == []


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"area": 1e308}, "G (Active area (cm2))", "area_cm2 = 1e308 is outside 1e-6..1e4 cm2"),
        ({"area": "inf"}, "G (Active area (cm2))", "'inf' is not a finite number"),
        ({"area": "-1e400"}, "G (Active area (cm2))", "'-1e400' is not a finite number"),
        (
            {"Mask area (cm2)": 2e4},
            "H (Mask area (cm2))",
            "area_cm2 = 2e4 is outside 1e-6..1e4 cm2",
        ),
        (
            {"Absorber spin speed (rpm)": 10**9},
            "AD (Absorber spin speed (rpm))",
            f"1000000000 is too large (at most {MAX_WHOLE})",
        ),
    ],
    ids=["huge area", "inf text", "overflowing text", "huge mask area", "huge spin speed"],
)
def test_device_numbers_are_finite_and_within_the_shared_bounds(changes, column, message):
    (problem,) = messages_of(filled_template(devices=[device("T", "S1", "P1", **changes)]))
    assert problem == f"sheet 'Devices', row 2, column {column}: {message}"


def test_batch_conditions_use_the_same_bounds_as_the_api():
    batch = {**BATCH, "Relative humidity (%)": 150, "Temperature (C)": -300}
    assert messages_of(filled_template(batch=batch)) == [
        "sheet 'Batch', row 10, column B (Relative humidity (%)): relative_humidity_percent = 150"
        " is outside 0..100 %",
        "sheet 'Batch', row 11, column B (Temperature (C)): temperature_c = -300 is outside "
        "-273.15..1000 C",
    ]


@pytest.mark.django_db
@pytest.mark.urls("tests.batch_sheet.urls")
def test_the_import_page_answers_400_naming_the_sheet_and_the_limit(client, lab):
    client.force_login(lab["users"]["owner"])
    data = without_dimensions(a_cell_at(EXCEL_LAST_ROW, 1))
    response = client.post(
        "/batches/sheet/import/",
        {"project": lab["projects"]["a"].pk, "file": SimpleUploadedFile("big.xlsx", data)},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert f"more than {MAX_ROWS} rows below the header" in page and "Devices" in page
    assert not Batch.objects.filter(code="B-NEW").exists()
