"""The empty cqdlab batch sheet (.xlsx), with two example device rows and instructions."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .cells import MAX_ROWS
from .columns import BATCH_FIELDS, BATCH_SHEET, DEVICE_COLUMNS, DEVICES_SHEET, INSTRUCTIONS_SHEET
from .plan import LAYER_ROLES, VARIANT_ROLES

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_FILENAME = "cqdlab-batch-sheet.xlsx"


_LAYER_EXAMPLE = {
    "substrate": ("ITO glass", "purchased", None, None, None, None, None, "", 150),
    "ETL": ("ZnO", "sol-gel spin coating", 3000, 30, 1, 200, 30, "air", 40),
    "absorber": ("PbS", "spin coating", 2500, 30, 1, 70, 10, "N2", 370),
    "HTL": ("PbS-EDT", "layer-by-layer spin coating", 2500, 15, 2, None, None, "", 50),
    "electrode": ("Au", "thermal evaporation", None, None, None, None, None, "", 80),
}
_DEVICE_EXAMPLES = (
    ("T", "Target (BA)2PbI4", "target", "LX-PbS-1180-T", "S1", "P1", 0.05, 0.05, ""),
    ("C", "Control PbI2", "control", "LX-PbS-1180-C", "S6", "P1", 0.05, 0.05, ""),
)
INSTRUCTIONS = (
    "cqdlab batch sheet",
    "",
    "1. Batch: fill the Value column. Code is required and must be new in the project.",
    "2. Devices: one row per device (pixel). Replace the two example rows; do not rename headers.",
    "   Variant is a short code (T, C ...). Every row of a variant repeats its name, role, ink and",
    "   layer parameters (copy the row): rows that disagree are refused, with both rows named.",
    "   Substrate is the label on the glass (S1 ...); a substrate belongs to one variant.",
    "   Substrate + Pixel must be unique. Areas are in cm2 and must be greater than 0.",
    "   Ink is the code of a ligand-exchange run already in cqdlab; the absorber uses it.",
    "3. Layer columns, in stack order: substrate, ETL, absorber, HTL, electrode. Leave all of a",
    "   layer's cells blank to leave the layer out; a layer with any value needs a material.",
    "   Numbers use a decimal point. Spin speed, spin time and coats are whole numbers.",
    "4. Upload on the 'Import batch sheet' page or run",
    "   manage.py import_batch_sheet FILE --project CODE --user USERNAME.",
    "   Nothing is stored unless the whole sheet is valid; every problem is listed.",
    "",
    "Codes made: batch <code>; variants <batch>/<variant>; stacks <batch>/<variant>-stack (one",
    "per distinct layer set); substrates <batch>/<substrate>; devices <batch>/<substrate>/<pixel>.",
    "",
    "HySprint experiment files (HZB) are read too: one substrate with one device per sample.",
)

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F5FBF")
_LAYER_FILLS = {
    "substrate": "5B6B82",
    "ETL": "2E7D5B",
    "absorber": "7A3E9D",
    "HTL": "B26A00",
    "electrode": "8A6D1F",
}


def template_workbook() -> bytes:
    """The empty cqdlab batch sheet (.xlsx) with two example device rows to overwrite."""
    wb = Workbook()
    _template_batch(wb.active)
    _template_devices(wb.create_sheet(DEVICES_SHEET))
    _template_instructions(wb.create_sheet(INSTRUCTIONS_SHEET))
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _style_header(cell, fill: str | None = None) -> None:
    cell.font = _HEADER_FONT
    cell.fill = PatternFill("solid", fgColor=fill) if fill else _HEADER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="center")


def _template_batch(ws) -> None:
    ws.title = BATCH_SHEET
    for col, (title, width) in enumerate((("Field", 26), ("Value", 34), ("Help", 72)), 1):
        _style_header(ws.cell(1, col, title))
        ws.column_dimensions[get_column_letter(col)].width = width
    for row, spec in enumerate(BATCH_FIELDS, 2):
        ws.cell(row, 1, spec.label).font = Font(bold=spec.required)
        if spec.kind == "date":
            ws.cell(row, 2).number_format = "yyyy-mm-dd"
        ws.cell(row, 3, spec.help).font = Font(italic=True, color="667085")
    ws.freeze_panes = "B2"


def _template_devices(ws) -> None:
    for col, spec in enumerate(DEVICE_COLUMNS, 1):
        role = spec.name.split(".")[0] if "." in spec.name else None
        header = ws.cell(1, col, spec.label)
        _style_header(header, _LAYER_FILLS.get(role))
        if spec.help:
            header.comment = Comment(spec.help, "cqdlab")
        width = min(max(len(spec.label) + 2, 10), 26)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[1].height = 32
    for row, example in enumerate(_DEVICE_EXAMPLES, 2):
        values = list(example)
        for role, _ in LAYER_ROLES:
            values.extend(_LAYER_EXAMPLE[role])
        for col, value in enumerate(values, 1):
            if value not in (None, ""):
                ws.cell(row, col, value)
    role_col = get_column_letter([s.name for s in DEVICE_COLUMNS].index("role") + 1)
    roles = DataValidation(
        type="list",
        formula1='"' + ",".join(VARIANT_ROLES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Role",
        error="Choose target, control, reference or other.",
    )
    ws.add_data_validation(roles)
    roles.add(f"{role_col}2:{role_col}{MAX_ROWS}")
    ws.freeze_panes = "C2"


def _template_instructions(ws) -> None:
    ws.column_dimensions["A"].width = 100
    for row, line in enumerate(INSTRUCTIONS, 1):
        ws.cell(row, 1, line).font = Font(bold=row == 1, size=13 if row == 1 else 11)
