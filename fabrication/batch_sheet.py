"""Batch sheets: the cqdlab template workbook, and the plans read back from filled-in workbooks.

Pure: openpyxl bytes in, frozen dataclasses out; no database, no Django. The write is
``fabrication.batch_sheet_services.batch_import``.

Two layouts are read, told apart by their sheets:

- cqdlab's own template (sheets "Batch" and "Devices"), made by ``template_workbook``: one row
  per device; the rows of one variant repeat its name, role, ink and layer parameters.
- the HySprint "experiment file" of HZB (a sheet whose two header rows are process groups
  such as "Experiment Info", "2: Spin Coating" over their columns; one row per sample).
  Each sample becomes a substrate with one device; layer-making steps become stack layers.

Every problem names its sheet, row and column; all of them (up to ``MAX_PROBLEMS``) are
collected before ``BatchSheetError`` is raised, so a sheet is fixed in one round trip.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_FILENAME = "cqdlab-batch-sheet.xlsx"
LAYOUT_CQDLAB = "cqdlab"
LAYOUT_HYSPRINT = "hysprint"
# Past this the reader stops listing: twenty problems are enough to fix before trying again.
MAX_PROBLEMS = 20
# Generous for a batch (the reference paper has 60 devices); bounds memory for hostile files.
MAX_ROWS = 5000
MAX_COLUMNS = 1000
# HySprint sheets give "Pixel area [cm^2]"; when it is blank this is used (HZB's 0.16 cm2 pixel)
# and the plan says so in its notes.
HYSPRINT_DEFAULT_PIXEL_AREA_CM2 = 0.16
HYSPRINT_PIXEL = "P1"
CODE_MAX_LENGTH = 80  # ProjectOwned.code

# Mirrors of the model's choices and limits (the parser does not import Django);
# tests/batch_sheet checks that they agree with fabrication.models.
VARIANT_ROLES = ("target", "control", "reference", "other")
LAYER_ROLES = (
    ("substrate", "Substrate"),
    ("ETL", "ETL"),
    ("absorber", "Absorber"),
    ("HTL", "HTL"),
    ("electrode", "Electrode"),
)
OTHER_LAYER_ROLE = "other"
SUBSTRATE_LABEL_MAX = 20
PIXEL_MAX = 20
VARIANT_NAME_MAX = 120
SUBSTRATE_MATERIAL_MAX = 60


# --- problems --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """A place in a workbook: a sheet, and where known a row and a column (letter + header)."""

    sheet: str
    row: int | None = None
    column: str = ""
    header: str = ""

    def __str__(self) -> str:
        parts = [f"sheet '{self.sheet}'" if self.sheet else "workbook"]
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}" + (f" ({self.header})" if self.header else ""))
        elif self.header:
            parts.append(f"column '{self.header}'")
        return ", ".join(parts)


@dataclass(frozen=True)
class Problem:
    where: Where
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class BatchSheetError(Exception):
    """Everything wrong with a workbook (or with importing it), each naming sheet/row/column."""

    def __init__(self, problems: Sequence[Problem] | str, more: int = 0):
        if isinstance(problems, str):
            problems = [Problem(Where(""), problems)]
        self.problems = list(problems)
        self.more = more
        super().__init__("\n".join(self.messages))

    @property
    def messages(self) -> list[str]:
        tail = [f"... and {self.more} more problem(s)"] if self.more else []
        return [str(p) for p in self.problems] + tail


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.more = 0

    def add(self, where: Where, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(where, message))
        else:
            self.more += 1

    @property
    def count(self) -> int:
        return len(self.items) + self.more

    def raise_if_any(self) -> None:
        if self.items:
            raise BatchSheetError(self.items, self.more)


class _Bad(ValueError):
    """A cell that cannot be converted; the caller knows where it is."""


# --- the plan --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerPlan:
    role: str
    material: str
    method: str = ""
    spin_speed_rpm: int | None = None
    spin_time_s: int | None = None
    coats: int | None = None
    anneal_temperature_c: float | None = None
    anneal_time_min: float | None = None
    anneal_atmosphere: str = ""
    thickness_nm: float | None = None
    uses_variant_ink: bool = False


@dataclass(frozen=True)
class DevicePlan:
    pixel: str
    active_area_cm2: float
    mask_area_cm2: float | None
    at: Where = field(compare=False)


@dataclass(frozen=True)
class SubstratePlan:
    label: str
    variant: str
    material: str
    notes: str
    devices: tuple[DevicePlan, ...]
    at: Where = field(compare=False)


@dataclass(frozen=True)
class VariantPlan:
    code: str  # short, e.g. "T"; the database code is "<batch>/<code>"
    name: str
    role: str
    ink: str  # a ligand-exchange run code, resolved in the project on import
    layers: tuple[LayerPlan, ...]
    rows: tuple[int, ...]
    at: Where = field(compare=False)  # the variant cell of its first row
    ink_at: Where = field(compare=False)


@dataclass(frozen=True)
class BatchPlan:
    layout: str
    code: str
    name: str = ""
    date: dt.date | None = None
    description: str = ""
    operator: str = ""  # a username, resolved in the project on import
    glovebox_o2_ppm: float | None = None
    glovebox_h2o_ppm: float | None = None
    relative_humidity_percent: float | None = None
    ambient_temperature_c: float | None = None
    variants: tuple[VariantPlan, ...] = ()
    substrates: tuple[SubstratePlan, ...] = ()
    notes: tuple[str, ...] = ()  # what the reader assumed or left out
    code_at: Where = field(default=Where(""), compare=False)
    operator_at: Where = field(default=Where(""), compare=False)

    @property
    def device_count(self) -> int:
        return sum(len(s.devices) for s in self.substrates)

    def layer_sets(self) -> list[tuple[LayerPlan, ...]]:
        """Distinct layer sets in variant order: one stack each."""
        seen: list[tuple[LayerPlan, ...]] = []
        for variant in self.variants:
            if variant.layers and variant.layers not in seen:
                seen.append(variant.layers)
        return seen


# --- cells -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    name: str
    label: str
    kind: str = "text"  # text | code | int | float | date | role
    max_length: int | None = None
    minimum: float | None = None
    positive: bool = False
    required: bool = False
    help: str = ""
    aliases: tuple[str, ...] = ()


def _key(text: object) -> str:
    """Header and field names compared loosely: case, spaces, degree signs, superscripts."""
    s = str(text).casefold().strip().rstrip(":").strip()
    s = s.replace("°", "").replace("²", "2").replace("cm^2", "cm2")
    return re.sub(r"\s+", " ", s)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(
    value: object, *, whole: bool = False, minimum: float | None = None, positive: bool = False
) -> float | int | None:
    if _blank(value):
        return None
    if isinstance(value, bool) or isinstance(value, dt.date):
        raise _Bad(f"'{_text(value)}' is not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            hint = " (use a decimal point, not a comma)" if re.fullmatch(r"-?\d+,\d+", text) else ""
            raise _Bad(f"'{text}' is not a number{hint}") from None
    if not math.isfinite(number):
        raise _Bad(f"'{_text(value)}' is not a finite number")
    if positive and number <= 0:
        raise _Bad(f"{_text(value)} must be greater than 0")
    if minimum is not None and number < minimum:
        raise _Bad(f"{_text(value)} must be at least {minimum:g}")
    if whole:
        if not number.is_integer():
            raise _Bad(f"{_text(value)} must be a whole number")
        return int(number)
    return number


def _date(value: object) -> dt.date | None:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 80000:
        return from_excel(value).date()  # a date typed into a cell formatted as a number
    text = _text(value)
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise _Bad(f"'{text}' is not a date (use YYYY-MM-DD)") from None


def _convert(spec: _Field, value: object) -> object:
    if spec.kind == "int":
        result = _number(value, whole=True, minimum=0)
    elif spec.kind == "float":
        result = _number(value, minimum=spec.minimum, positive=spec.positive)
    elif spec.kind == "date":
        result = _date(value)
    elif spec.kind == "role":
        result = _text(value).casefold()
        if result and result not in VARIANT_ROLES:
            raise _Bad(f"unknown role '{_text(value)}': use one of {', '.join(VARIANT_ROLES)}")
    else:
        result = _text(value)
        if spec.max_length and len(result) > spec.max_length:
            raise _Bad(f"'{result[:40]}...' is longer than {spec.max_length} characters")
        if spec.kind == "code" and "/" in result:
            raise _Bad(f"'{result}' contains '/', which separates the parts of cqdlab codes")
    if spec.required and result in (None, ""):
        raise _Bad(f"{spec.label} is missing")
    return result


def _show(value: object) -> str:
    return "blank" if value in (None, "") else f"'{_text(value)}'"


# --- the cqdlab template ---------------------------------------------------------------------

BATCH_SHEET, DEVICES_SHEET, INSTRUCTIONS_SHEET = "Batch", "Devices", "Instructions"

BATCH_FIELDS = (
    _Field(
        "code",
        "Code",
        "code",
        max_length=CODE_MAX_LENGTH,
        required=True,
        help="Required. Unique in the project, no '/', e.g. B2025-03-24.",
    ),
    _Field("name", "Name", max_length=160, help="e.g. 1.0 eV dots: (BA)2PbI4 vs PbI2"),
    _Field("date", "Date", "date", help="Fabrication date, YYYY-MM-DD."),
    _Field("description", "Description", help="Free text."),
    _Field(
        "operator",
        "Operator",
        max_length=150,
        help="cqdlab username of who made the batch (a project member); blank if unknown.",
    ),
    _Field("notes", "Notes", help="Operator notes; kept below the description."),
    _Field("glovebox_o2_ppm", "Glovebox O2 (ppm)", "float", minimum=0),
    _Field("glovebox_h2o_ppm", "Glovebox H2O (ppm)", "float", minimum=0),
    _Field(
        "relative_humidity_percent",
        "Relative humidity (%)",
        "float",
        minimum=0,
        aliases=("rh (%)", "rh %", "rh"),
    ),
    _Field(
        "ambient_temperature_c",
        "Temperature (C)",
        "float",
        help="Ambient temperature in the lab, degrees C.",
        aliases=("ambient temperature (c)", "temperature"),
    ),
)

DEVICE_FIELDS = (
    _Field(
        "variant",
        "Variant",
        "code",
        max_length=30,
        required=True,
        help="Short code, e.g. T or C; the variant's code becomes <batch>/<variant>.",
    ),
    _Field(
        "variant_name", "Variant name", max_length=VARIANT_NAME_MAX, help="e.g. Target (BA)2PbI4"
    ),
    _Field("role", "Role", "role", help="target, control, reference or other"),
    _Field(
        "ink",
        "Ink",
        max_length=CODE_MAX_LENGTH,
        help="Code of the ligand-exchange run whose ink made the absorber.",
    ),
    _Field(
        "substrate",
        "Substrate",
        "code",
        max_length=SUBSTRATE_LABEL_MAX,
        required=True,
        help="Label written on the substrate, e.g. S1",
    ),
    _Field("pixel", "Pixel", "code", max_length=PIXEL_MAX, required=True, help="e.g. P1"),
    _Field("active_area_cm2", "Active area (cm2)", "float", positive=True, required=True),
    _Field("mask_area_cm2", "Mask area (cm2)", "float", positive=True, help="Optional."),
    _Field("notes", "Notes", help="Optional; kept on the substrate."),
)

LAYER_PARAMS = (
    ("material", "material", "text", 80),
    ("method", "method", "text", 60),
    ("spin_speed_rpm", "spin speed (rpm)", "int", None),
    ("spin_time_s", "spin time (s)", "int", None),
    ("coats", "coats", "int", None),
    ("anneal_temperature_c", "anneal T (C)", "float", None),
    ("anneal_time_min", "anneal time (min)", "float", None),
    ("anneal_atmosphere", "anneal atmosphere", "text", 40),
    ("thickness_nm", "thickness (nm)", "float", None),
)


def _layer_fields() -> tuple[_Field, ...]:
    fields = []
    for role, role_label in LAYER_ROLES:
        for param, param_label, kind, max_length in LAYER_PARAMS:
            if role == "substrate" and param == "material":
                max_length = SUBSTRATE_MATERIAL_MAX  # also the Substrate's own material
            minimum = 0 if param in ("anneal_time_min", "thickness_nm") else None
            fields.append(
                _Field(
                    f"{role}.{param}",
                    f"{role_label} {param_label}",
                    kind,
                    max_length=max_length,
                    minimum=minimum,
                )
            )
    return tuple(fields)


LAYER_FIELDS = _layer_fields()
DEVICE_COLUMNS = DEVICE_FIELDS + LAYER_FIELDS

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


# --- reading ---------------------------------------------------------------------------------

Rows = list[tuple]


def read_workbook(data: bytes) -> BatchPlan:
    """Validate a filled-in cqdlab batch sheet or HySprint experiment file into a BatchPlan."""
    layout, sheet, rows = _load(data)
    if layout == LAYOUT_CQDLAB:
        return _read_cqdlab(rows)
    return _read_hysprint(sheet, rows[sheet])


def _load(data: bytes) -> tuple[str, str, dict[str, Rows]]:
    """Open the workbook, detect its layout and copy the cells needed into plain lists.

    All of openpyxl's XML parsing happens here, so a malformed file fails in one place.
    """
    try:
        wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
        try:
            by_key = {_key(name): name for name in wb.sheetnames}
            if _key(BATCH_SHEET) in by_key and _key(DEVICES_SHEET) in by_key:
                names = [by_key[_key(BATCH_SHEET)], by_key[_key(DEVICES_SHEET)]]
                rows = {_canonical(n): _sheet_rows(wb[n]) for n in names}
                return LAYOUT_CQDLAB, DEVICES_SHEET, rows
            for name in wb.sheetnames:
                head = _sheet_rows(wb[name], limit=2)
                if is_hysprint_header(head):
                    return LAYOUT_HYSPRINT, name, {name: _sheet_rows(wb[name])}
        finally:
            wb.close()
    except BatchSheetError:
        raise
    # openpyxl raises whatever its zip and XML layers raise on a damaged or foreign file.
    except Exception as exc:  # noqa: BLE001
        raise BatchSheetError(
            "The file could not be read as an .xlsx workbook (Excel 2007 or later; save .xls "
            f"and .ods files as .xlsx first): {type(exc).__name__}."
        ) from exc
    raise BatchSheetError(
        "This is neither a cqdlab batch sheet (sheets 'Batch' and 'Devices'; download the "
        "template) nor a HySprint experiment file ('Experiment Info' over a 'Nomad ID' column)."
    )


def _canonical(name: str) -> str:
    return BATCH_SHEET if _key(name) == _key(BATCH_SHEET) else DEVICES_SHEET


def _sheet_rows(ws, limit: int | None = None) -> Rows:
    ws.reset_dimensions()  # some writers store a wrong <dimension>; read what is there
    rows: Rows = []
    for values in ws.iter_rows(max_col=MAX_COLUMNS, values_only=True):
        if limit is not None and len(rows) >= limit:
            break
        if len(rows) >= MAX_ROWS + 2:
            if any(not _blank(v) for v in values):
                raise BatchSheetError(
                    [
                        Problem(
                            Where(ws.title, len(rows) + 1),
                            f"the sheet has more than {MAX_ROWS} rows; split the batch",
                        )
                    ]
                )
            continue
        rows.append(tuple(values))
    while rows and all(_blank(v) for v in rows[-1]):
        rows.pop()
    return rows


def is_hysprint_header(rows: Rows) -> bool:
    if len(rows) < 2 or not rows[0]:
        return False
    return _key(rows[0][0] or "") == "experiment info" and any(
        _key(v) == "nomad id" for v in rows[1] if v is not None
    )


def _cell(row: tuple, index: int) -> object:
    return row[index] if index < len(row) else None


# --- reading the cqdlab layout ---------------------------------------------------------------


@dataclass
class _Row:
    """One device row, before variants and substrates are assembled."""

    row: int
    variant: str
    substrate: str
    pixel: str
    active_area_cm2: float
    mask_area_cm2: float | None
    substrate_material: str
    notes: str
    layers: tuple[LayerPlan, ...]
    # values every row of the variant must repeat: key -> value, and where each one is
    shared: dict[str, object]
    at: dict[str, Where]


def _read_cqdlab(rows: dict[str, Rows]) -> BatchPlan:
    problems = _Problems()
    batch, batch_at = _read_batch_sheet(rows[BATCH_SHEET], problems)
    device_rows = _read_device_rows(rows[DEVICES_SHEET], problems)
    variants, substrates = _assemble(device_rows, problems)
    code = batch.get("code") or ""
    _check_code_lengths(code, variants, substrates, problems)
    problems.raise_if_any()
    description = batch.get("description") or ""
    if batch.get("notes"):
        description = f"{description}\n\nNotes: {batch['notes']}".strip()
    return BatchPlan(
        layout=LAYOUT_CQDLAB,
        code=code,
        name=batch.get("name") or "",
        date=batch.get("date"),
        description=description,
        operator=batch.get("operator") or "",
        glovebox_o2_ppm=batch.get("glovebox_o2_ppm"),
        glovebox_h2o_ppm=batch.get("glovebox_h2o_ppm"),
        relative_humidity_percent=batch.get("relative_humidity_percent"),
        ambient_temperature_c=batch.get("ambient_temperature_c"),
        variants=variants,
        substrates=substrates,
        code_at=batch_at.get("code", Where(BATCH_SHEET, None, "B", "Code")),
        operator_at=batch_at.get("operator", Where(BATCH_SHEET, None, "B", "Operator")),
    )


def _read_batch_sheet(rows: Rows, problems: _Problems) -> tuple[dict, dict[str, Where]]:
    specs = {}
    for spec in BATCH_FIELDS:
        for name in (spec.label, *spec.aliases):
            specs[_key(name)] = spec
    values: dict[str, object] = {}
    at: dict[str, Where] = {}
    for number, row in enumerate(rows, 1):
        label = _cell(row, 0)
        if _blank(label) or (number == 1 and _key(label) == "field"):
            continue
        where = Where(BATCH_SHEET, number, "B", _text(label))
        spec = specs.get(_key(label))
        if spec is None:
            known = ", ".join(s.label for s in BATCH_FIELDS)
            problems.add(
                Where(BATCH_SHEET, number, "A", "Field"),
                f"unknown field '{_text(label)}'; the fields are {known}",
            )
            continue
        if spec.name in at:
            problems.add(where, f"'{spec.label}' is given twice (also on row {at[spec.name].row})")
            continue
        at[spec.name] = where
        try:
            values[spec.name] = _convert(spec, _cell(row, 1))
        except _Bad as bad:
            problems.add(where, str(bad))
    if "code" not in at:
        problems.add(Where(BATCH_SHEET, None, "A", "Field"), "there is no 'Code' row")
    return values, at


def _read_device_rows(rows: Rows, problems: _Problems) -> list[_Row]:
    if not rows:
        problems.add(Where(DEVICES_SHEET, 1), "the sheet is empty: it needs a header row")
        return []
    columns = _device_columns(rows[0], problems)
    if columns is None:
        return []
    result: list[_Row] = []
    for number, row in enumerate(rows[1:], 2):
        if all(_blank(v) for v in row):
            continue
        parsed = _device_row(number, row, columns, problems)
        if parsed is not None:
            result.append(parsed)
    if not result and not problems.items:
        problems.add(Where(DEVICES_SHEET, 2), "there are no device rows")
    return result


def _device_columns(header: tuple, problems: _Problems) -> dict[str, tuple[int, _Field]] | None:
    specs = {_key(s.label): s for s in DEVICE_COLUMNS}
    columns: dict[str, tuple[int, _Field]] = {}
    for index, title in enumerate(header):
        if _blank(title):
            continue
        letter = get_column_letter(index + 1)
        spec = specs.get(_key(title))
        if spec is None:
            problems.add(
                Where(DEVICES_SHEET, 1, letter, _text(title)),
                f"unknown column '{_text(title)}' (download the template for the column names)",
            )
        elif spec.name in columns:
            first = get_column_letter(columns[spec.name][0] + 1)
            problems.add(
                Where(DEVICES_SHEET, 1, letter, spec.label),
                f"'{spec.label}' is also column {first}",
            )
        else:
            columns[spec.name] = (index, spec)
    missing = [s.label for s in DEVICE_FIELDS if s.required and s.name not in columns]
    for label in missing:
        problems.add(Where(DEVICES_SHEET, 1, "", label), f"the '{label}' column is missing")
    return None if missing else columns


def _device_row(
    number: int, row: tuple, columns: dict[str, tuple[int, _Field]], problems: _Problems
) -> _Row | None:
    values: dict[str, object] = {}
    at: dict[str, Where] = {}
    ok = True
    for name, (index, spec) in columns.items():
        at[name] = Where(DEVICES_SHEET, number, get_column_letter(index + 1), spec.label)
        try:
            values[name] = _convert(spec, _cell(row, index))
        except _Bad as bad:
            # the row stays out of the assembly: a half-read row would add false disagreements
            problems.add(at[name], str(bad))
            ok = False
            values[name] = None
    layers = []
    for role, role_label in LAYER_ROLES:
        layer = {p: values.get(f"{role}.{p}") for p, *_ in LAYER_PARAMS}
        if all(v in (None, "") for v in layer.values()):
            continue
        if not layer["material"]:
            where = at.get(
                f"{role}.material", Where(DEVICES_SHEET, number, "", f"{role_label} material")
            )
            problems.add(where, f"the {role_label} layer has parameters but no material")
            ok = False
            continue
        text = {k: layer[k] or "" for k in ("material", "method", "anneal_atmosphere")}
        layers.append(LayerPlan(role=role, **{**layer, **text}))
    if not ok:
        return None
    shared_keys = ["variant_name", "role", "ink"] + [s.name for s in LAYER_FIELDS]
    return _Row(
        row=number,
        variant=values["variant"],
        substrate=values["substrate"],
        pixel=values["pixel"],
        active_area_cm2=values["active_area_cm2"],
        mask_area_cm2=values.get("mask_area_cm2"),
        substrate_material=values.get("substrate.material") or "ITO glass",
        notes=values.get("notes") or "",
        layers=tuple(layers),
        shared={k: values.get(k) for k in shared_keys if k in columns},
        at=at,
    )


# --- assembling rows into variants and substrates (both layouts) -----------------------------


def _assemble(
    rows: list[_Row], problems: _Problems
) -> tuple[tuple[VariantPlan, ...], tuple[SubstratePlan, ...]]:
    by_variant: dict[str, list[_Row]] = {}
    for row in rows:
        by_variant.setdefault(row.variant, []).append(row)
    variants = tuple(_variant(code, members, problems) for code, members in by_variant.items())
    return variants, _substrates(rows, problems)


def _variant(code: str, rows: list[_Row], problems: _Problems) -> VariantPlan:
    first = rows[0]
    reported: set[str] = set()
    for row in rows[1:]:
        for key in first.shared.keys() | row.shared.keys():
            a, b = first.shared.get(key), row.shared.get(key)
            if key in reported or (a in (None, "") and b in (None, "")) or a == b:
                continue
            reported.add(key)
            where = row.at.get(key) or Where(row.at["variant"].sheet, row.row, "", key)
            problems.add(
                where,
                f"variant {code}: rows {first.row} and {row.row} disagree "
                f"({_show(a)} on row {first.row}, {_show(b)} here); every row "
                "of a variant repeats its name, role, ink and layers",
            )
    ink = first.shared.get("ink") or ""
    layers = tuple(
        dataclasses.replace(layer, uses_variant_ink=True)
        if layer.role == "absorber" and ink
        else layer
        for layer in first.layers
    )
    ink_at = first.at.get("ink") or Where(first.at["variant"].sheet, first.row, "", "Ink")
    return VariantPlan(
        code=code,
        name=first.shared.get("variant_name") or code,
        role=first.shared.get("role") or "other",
        ink=ink,
        layers=layers,
        rows=tuple(r.row for r in rows),
        at=first.at["variant"],
        ink_at=ink_at,
    )


def _substrates(rows: list[_Row], problems: _Problems) -> tuple[SubstratePlan, ...]:
    firsts: dict[str, _Row] = {}
    devices: dict[str, list[DevicePlan]] = {}
    notes: dict[str, list[str]] = {}
    pixels: dict[tuple[str, str], int] = {}
    for row in rows:
        first = firsts.setdefault(row.substrate, row)
        if first.variant != row.variant:
            problems.add(
                row.at["variant"],
                f"substrate {row.substrate} is in variant {first.variant} on row "
                f"{first.row}; a substrate belongs to one variant",
            )
            continue
        if (row.substrate, row.pixel) in pixels:
            problems.add(
                row.at["pixel"],
                f"substrate {row.substrate} pixel {row.pixel} is already on row "
                f"{pixels[(row.substrate, row.pixel)]}: a duplicate device",
            )
            continue
        pixels[(row.substrate, row.pixel)] = row.row
        devices.setdefault(row.substrate, []).append(
            DevicePlan(row.pixel, row.active_area_cm2, row.mask_area_cm2, row.at["pixel"])
        )
        if row.notes and row.notes not in notes.setdefault(row.substrate, []):
            notes[row.substrate].append(row.notes)
    return tuple(
        SubstratePlan(
            label=label,
            variant=first.variant,
            material=first.substrate_material,
            notes="; ".join(notes.get(label, [])),
            devices=tuple(devices.get(label, [])),
            at=first.at["substrate"],
        )
        for label, first in firsts.items()
    )


def _check_code_lengths(
    code: str,
    variants: Iterable[VariantPlan],
    substrates: Iterable[SubstratePlan],
    problems: _Problems,
) -> None:
    if not code:
        return
    for variant in variants:
        if len(f"{code}/{variant.code}-stack") > CODE_MAX_LENGTH:
            problems.add(
                variant.at,
                f"the stack code {code}/{variant.code}-stack would be "
                f"longer than {CODE_MAX_LENGTH} characters; shorten the "
                "batch or variant code",
            )
    for substrate in substrates:
        for device in substrate.devices:
            device_code = f"{code}/{substrate.label}/{device.pixel}"
            if len(device_code) > CODE_MAX_LENGTH:
                problems.add(
                    device.at,
                    f"the device code {device_code} would be longer than "
                    f"{CODE_MAX_LENGTH} characters",
                )


# --- reading the HySprint experiment file ----------------------------------------------------

# Process groups that make a layer, and the method cqdlab records for them. Every other
# group (cleaning, laser scribing, generic processes, storage ...) is listed in the notes.
HYSPRINT_LAYER_METHODS = {
    "spin coating": "spin coating",
    "slot die coating": "slot-die coating",
    "inkjet printing": "inkjet printing",
    "dip coating": "dip coating",
    "blade coating": "blade coating",
    "spray pyrolysis": "spray pyrolysis",
    "evaporation": "thermal evaporation",
    "co-evaporation": "co-evaporation",
    "sputtering": "sputtering",
    "ald": "atomic layer deposition",
    "close space sublimation": "close-space sublimation",
}
# cqdlab layer field -> HySprint column names (after _key), first found wins.
HYSPRINT_LAYER_COLUMNS = {
    "spin_speed_rpm": ("rotation speed 1 [rpm]", "rotation speed [rpm]"),
    "spin_time_s": ("rotation time 1 [s]", "rotation time [s]"),
    "anneal_temperature_c": ("annealing temperature [c]",),
    "anneal_time_min": ("annealing time [min]",),
    "anneal_atmosphere": ("annealing athmosphere", "annealing atmosphere"),
    "thickness_nm": ("thickness [nm]",),
}
_INFO = "experiment info"
_GROUP_RE = re.compile(r"^\s*(\d+)\s*:\s*(.+?)\s*$")


@dataclass(frozen=True)
class _Group:
    header: str  # as written, e.g. "2: Spin Coating"
    process: str  # _key of the name, e.g. "spin coating"
    columns: dict[str, int]  # _key(column name) -> index


def _hysprint_groups(rows: Rows) -> list[_Group]:
    groups: list[_Group] = []
    current = ""
    columns: dict[str, int] = {}
    for index in range(max(len(rows[0]), len(rows[1]))):
        group, name = _cell(rows[0], index), _cell(rows[1], index)
        if not _blank(group):
            if current:
                groups.append(_hysprint_group(current, columns))
            current, columns = _text(group), {}
        if current and not _blank(name):
            columns.setdefault(_key(name), index)
    if current:
        groups.append(_hysprint_group(current, columns))
    return groups


def _hysprint_group(header: str, columns: dict[str, int]) -> _Group:
    match = _GROUP_RE.match(header)
    return _Group(header, _key(match.group(2) if match else header), columns)


def _hysprint_role(layer_type: str) -> str:
    t = _key(layer_type)
    if "absorber" in t:
        return "absorber"
    if "electron" in t or t in ("etl", "esl"):
        return "ETL"
    if "hole" in t or t in ("htl", "hsl"):
        return "HTL"
    if "electrode" in t or "contact" in t or "metal" in t:
        return "electrode"
    if "substrate" in t:
        return "substrate"
    return OTHER_LAYER_ROLE


class _HySprintReader:
    def __init__(self, sheet: str, rows: Rows):
        self.sheet = sheet
        self.rows = rows
        self.problems = _Problems()
        self.groups = _hysprint_groups(rows)
        self.info = next((g for g in self.groups if g.process == _INFO), None)
        self.layer_groups = [g for g in self.groups if g.process in HYSPRINT_LAYER_METHODS]
        self.left_out = [
            g.header
            for g in self.groups
            if g.process != _INFO and g.process not in HYSPRINT_LAYER_METHODS
        ]
        self.defaulted_area: list[int] = []

    def where(self, number: int, index: int | None, header: str) -> Where:
        column = get_column_letter(index + 1) if index is not None else ""
        return Where(self.sheet, number, column, header)

    def info_value(self, number: int, row: tuple, *names: str) -> tuple[object, Where]:
        for name in names:
            index = self.info.columns.get(_key(name))
            if index is not None:
                return _cell(row, index), self.where(number, index, f"Experiment Info / {name}")
        return None, self.where(number, None, f"Experiment Info / {names[0]}")

    def convert(self, value: object, where: Where, spec: _Field) -> object:
        try:
            return _convert(spec, value)
        except _Bad as bad:
            self.problems.add(where, str(bad))
            return None

    def read(self) -> BatchPlan:
        data = [(n, r) for n, r in enumerate(self.rows[2:], 3) if not all(_blank(v) for v in r)]
        samples = [s for s in (self.sample(n, r) for n, r in data) if s is not None]
        if not data:
            self.problems.add(Where(self.sheet, 3), "there are no sample rows")
        code, code_at, date = self.batch_identity(data)
        self.label_and_vary(samples)
        variants, substrates = _assemble(samples, self.problems)
        _check_code_lengths(code, variants, substrates, self.problems)
        self.problems.raise_if_any()
        notes = self.notes()
        return BatchPlan(
            layout=LAYOUT_HYSPRINT,
            code=code,
            name=f"HySprint experiment {code}",
            date=date,
            description="Imported from a HySprint experiment file. " + " ".join(notes),
            variants=variants,
            substrates=substrates,
            notes=tuple(notes),
            code_at=code_at,
            operator_at=Where(self.sheet),
        )

    def batch_identity(self, data: list[tuple[int, tuple]]) -> tuple[str, Where, dt.date | None]:
        """Batch code "<Project_Name>_<Batch>": one per file; the first date given."""
        code, code_at, date = "", Where(self.sheet, 3, "", "Experiment Info / Batch"), None
        for number, row in data:
            project, _ = self.info_value(number, row, "Project_Name", "Project name")
            batch, where = self.info_value(number, row, "Batch")
            this = "_".join(t for t in (_text(project), _text(batch)) if t)
            if not _text(batch):
                self.problems.add(where, "the batch name is missing")
            elif not code:
                code, code_at = this, where
            elif this != code:
                self.problems.add(
                    where, f"one batch per file: row {code_at.row} is {code}, this row is {this}"
                )
            raw_date, date_at = self.info_value(number, row, "Date")
            value = self.convert(raw_date, date_at, _Field("date", "Date", "date"))
            date = date or value
        spec = _Field("code", "Batch", "code", max_length=CODE_MAX_LENGTH)
        self.convert(code, code_at, spec)
        return code, code_at, date

    def sample(self, number: int, row: tuple) -> _Row | None:
        before = self.problems.count
        nomad_id, id_at = self.info_value(number, row, "Nomad ID")
        nomad_id = _text(nomad_id)
        if not nomad_id:
            self.problems.add(
                id_at,
                "the Nomad ID is missing (if it is a formula, open and "
                "save the file in Excel so its value is stored)",
            )
            return None
        raw_area, area_at = self.info_value(number, row, "Pixel area [cm^2]", "Pixel area")
        area = self.convert(raw_area, area_at, _Field("a", "Pixel area", "float", positive=True))
        if _blank(raw_area):
            area = HYSPRINT_DEFAULT_PIXEL_AREA_CM2
            self.defaulted_area.append(number)
        variation, variation_at = self.info_value(number, row, "Variation")
        material = " ".join(
            _text(self.info_value(number, row, name)[0])
            for name in ("Substrate conductive layer", "Substrate material")
        ).strip()
        material_spec = _Field("m", "Substrate material", max_length=SUBSTRATE_MATERIAL_MAX)
        material = (
            self.convert(
                material, self.info_value(number, row, "Substrate material")[1], material_spec
            )
            or ""
        )
        layers, shared, at = self.layers(number, row, material)
        if self.problems.count > before:
            return None  # a half-read row would add false disagreements
        at.update(variant=variation_at, substrate=id_at, pixel=id_at)
        return _Row(
            row=number,
            variant=_text(variation),  # replaced by label_and_vary
            substrate=nomad_id,
            pixel=HYSPRINT_PIXEL,
            active_area_cm2=area,
            mask_area_cm2=None,
            substrate_material=material or "ITO glass",
            notes=self.sample_notes(number, row, nomad_id),
            layers=layers,
            shared=shared,
            at=at,
        )

    def layers(
        self, number: int, row: tuple, substrate: str
    ) -> tuple[tuple[LayerPlan, ...] | None, dict, dict]:
        layers = [LayerPlan(role="substrate", material=substrate)] if substrate else []
        shared: dict[str, object] = {"substrate.material": substrate}
        at: dict[str, Where] = {
            "substrate.material": self.info_value(number, row, "Substrate material")[1]
        }
        ok = True
        for group in self.layer_groups:
            values = {k: _cell(row, i) for k, i in group.columns.items()}
            if all(_blank(v) for v in values.values()):
                continue  # this sample skipped the step
            layer = self.layer(number, row, group)
            for name in ("material",) + tuple(HYSPRINT_LAYER_COLUMNS):
                key = f"{group.header}.{name}"
                shared[key] = getattr(layer, name) if layer else None
                at[key] = self.group_where(number, group, name)
            if layer is None:
                ok = False
            else:
                layers.append(layer)
        return (tuple(layers) if ok else None), shared, at

    def column(self, group: _Group, name: str) -> tuple[int | None, str]:
        """Index and header (as written) of a cqdlab layer field's column in a process group."""
        names = ("material name",) if name == "material" else HYSPRINT_LAYER_COLUMNS[name]
        for column in names:
            if column in group.columns:
                index = group.columns[column]
                return index, _text(_cell(self.rows[1], index))
        return None, names[0]

    def group_where(self, number: int, group: _Group, name: str) -> Where:
        index, column = self.column(group, name)
        return self.where(number, index, f"{group.header} / {column}")

    def layer(self, number: int, row: tuple, group: _Group) -> LayerPlan | None:
        index, _ = self.column(group, "material")
        where = self.group_where(number, group, "material")
        material = self.convert(
            _cell(row, index) if index is not None else None,
            where,
            _Field("material", "Material name", max_length=80),
        )
        if not material:
            if material is not None:
                self.problems.add(where, f"step {group.header} has values but no material name")
            return None
        values: dict[str, object] = {}
        for name, kind in (
            ("spin_speed_rpm", "int"),
            ("spin_time_s", "int"),
            ("anneal_temperature_c", "float"),
            ("anneal_time_min", "float"),
            ("anneal_atmosphere", "text"),
            ("thickness_nm", "float"),
        ):
            index, _ = self.column(group, name)
            if index is None:
                continue
            where = self.group_where(number, group, name)
            spec = _Field(
                name,
                where.header,
                kind,
                max_length=40 if kind == "text" else None,
                minimum=0 if name in ("anneal_time_min", "thickness_nm") else None,
            )
            values[name] = self.convert(_cell(row, index), where, spec)
        layer_type = _text(_cell(row, group.columns.get("layer type", MAX_COLUMNS)))
        return LayerPlan(
            role=_hysprint_role(layer_type),
            material=material,
            method=HYSPRINT_LAYER_METHODS[group.process],
            spin_speed_rpm=values.get("spin_speed_rpm"),
            spin_time_s=values.get("spin_time_s"),
            anneal_temperature_c=values.get("anneal_temperature_c"),
            anneal_time_min=values.get("anneal_time_min"),
            anneal_atmosphere=values.get("anneal_atmosphere") or "",
            thickness_nm=values.get("thickness_nm"),
        )

    def sample_notes(self, number: int, row: tuple, nomad_id: str) -> str:
        parts = [f"Nomad ID {nomad_id}"]
        for name in (
            "Notes",
            "Sample dimension",
            "Sample area [cm^2]",
            "Number of pixels",
            "Number of junctions",
        ):
            value = _text(self.info_value(number, row, name)[0])
            if value:
                parts.append(f"{name}: {value}")
        return "; ".join(parts)

    def label_and_vary(self, samples: list[_Row]) -> None:
        """Substrate labels and variant codes that fit cqdlab's codes, decided per file.

        Labels are the Nomad IDs when all fit in 20 characters, else the IDs without the
        prefix all samples share. Variants are the "Variation" values when all are short
        and free of '/', else V1, V2 ... with the value as the variant's name.
        """
        ids = [s.substrate for s in samples]
        if any(len(i) > SUBSTRATE_LABEL_MAX or "/" in i for i in ids):
            prefix = _common_prefix(ids)
            for sample in samples:
                label = sample.substrate[len(prefix) :].replace("/", "-")
                if not label or len(label) > SUBSTRATE_LABEL_MAX:
                    self.problems.add(
                        sample.at["substrate"],
                        f"cannot make a substrate label of at most "
                        f"{SUBSTRATE_LABEL_MAX} characters from '{sample.substrate}'",
                    )
                sample.substrate = label
        values = list(dict.fromkeys(s.variant for s in samples))
        short = all(v and len(v) <= 20 and "/" not in v for v in values)
        codes = {v: (v if short else f"V{i}") for i, v in enumerate(values, 1)}
        if not values or values == [""]:
            codes = {"": "all"}
        for sample in samples:
            name = f"Variation {sample.variant}" if sample.variant else "No variation given"
            sample.shared["variant_name"] = name[:VARIANT_NAME_MAX]
            sample.variant = codes[sample.variant]

    def notes(self) -> list[str]:
        notes = [
            f"Each sample row is one substrate with one device ({HYSPRINT_PIXEL}); the "
            "Nomad ID and sample details are in the substrate notes."
        ]
        if self.defaulted_area:
            rows = ", ".join(str(r) for r in self.defaulted_area)
            notes.append(
                f"No pixel area on row(s) {rows}: {HYSPRINT_DEFAULT_PIXEL_AREA_CM2} cm2 assumed."
            )
        if self.left_out:
            notes.append("Steps not mapped to layers: " + ", ".join(self.left_out) + ".")
        notes.append(
            "Not imported: solutions, second spin steps, antisolvent, tools, "
            "ALD/evaporation/sputtering settings other than thickness."
        )
        return notes


def _common_prefix(values: list[str]) -> str:
    if not values:
        return ""
    prefix = values[0]
    for value in values[1:]:
        while not value.startswith(prefix):
            prefix = prefix[:-1]
    # cut at a separator so "hzb_X_AA_1_c-1" and "hzb_X_AA_1_c-2" keep "1_c-1", "1_c-2"
    cut = max(prefix.rfind("_"), prefix.rfind("-"))
    return prefix[: cut + 1] if len(values) > 1 else ""


def _read_hysprint(sheet: str, rows: Rows) -> BatchPlan:
    reader = _HySprintReader(sheet, rows)
    if reader.info is None:
        raise BatchSheetError([Problem(Where(sheet, 1), "no 'Experiment Info' group")])
    return reader.read()
