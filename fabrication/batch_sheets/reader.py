"""Reading a filled-in workbook into a plan: ``read_workbook``.

It opens the workbook, tells the layout by its sheets, reads the cqdlab layout here and
hands HySprint experiment files to ``hysprint``.
"""

from __future__ import annotations

import zipfile
from io import BytesIO

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .assemble import _assemble, _check_code_lengths, _Row
from .cells import (
    HEADER_ROWS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UNPACKED_MB,
    Rows,
    _blank,
    _cell,
    _convert,
    _Field,
    _key,
    _text,
)
from .columns import (
    BATCH_FIELDS,
    BATCH_SHEET,
    DEVICE_COLUMNS,
    DEVICE_FIELDS,
    DEVICES_SHEET,
    LAYER_FIELDS,
    LAYER_PARAMS,
)
from .hysprint import _read_hysprint
from .hysprint_layout import is_hysprint_header
from .plan import LAYER_ROLES, LAYOUT_CQDLAB, LAYOUT_HYSPRINT, BatchPlan, LayerPlan
from .problems import BatchSheetError, Problem, Where, _Bad, _Problems


def read_workbook(data: bytes) -> BatchPlan:
    """Validate a filled-in cqdlab batch sheet or HySprint experiment file into a BatchPlan."""
    layout, sheet, rows = _load(data)
    if layout == LAYOUT_CQDLAB:
        return _read_cqdlab(rows)
    return _read_hysprint(sheet, rows[sheet])


def _load(data: bytes) -> tuple[str, str, dict[str, Rows]]:
    """Open the workbook, detect its layout and copy the cells needed into plain lists.

    All of openpyxl's XML parsing happens here, so a malformed file fails in one place.
    Read-only mode streams each sheet's XML: memory follows the rows kept, not the file.
    """
    _check_unpacked_size(data)
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


def _check_unpacked_size(data: bytes) -> None:
    """An .xlsx is a zip: refuse one that unpacks to more than MAX_UNPACKED_MB before openpyxl
    unpacks any of it (it reads the shared strings whole, however few rows are read)."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip at all: load_workbook says so in the words users know
    if unpacked > MAX_UNPACKED_MB * 1024 * 1024:
        raise BatchSheetError(
            f"The workbook unpacks to {unpacked / (1024 * 1024):,.0f} MB of XML, more than the "
            f"{MAX_UNPACKED_MB} MB limit for a batch sheet: copy the data into the template."
        )


# Rows a sheet may hold: the devices and the header above them.
ROW_LIMIT = MAX_ROWS + HEADER_ROWS


def _too_big(sheet: str, message: str, row: int | None = None) -> BatchSheetError:
    return BatchSheetError([Problem(Where(sheet, row), message)])


def _check_declared_size(ws) -> None:
    """Refuse a sheet by the size its file states (<dimension>), before any row is read."""
    rows, columns = ws.max_row, ws.max_column  # None when the file states no size
    if rows is not None and rows > ROW_LIMIT:
        raise _too_big(
            ws.title,
            f"the sheet reaches row {rows:,}; the limit is {MAX_ROWS} rows below the header: "
            "split the batch, or delete the empty rows under the data and save again",
        )
    if columns is not None and columns > MAX_COLUMNS:
        raise _too_big(
            ws.title,
            f"the sheet reaches column {get_column_letter(columns)}; the limit is "
            f"{MAX_COLUMNS} columns: delete the columns right of the data and save again",
        )


def _within_columns(sheet: str, number: int, values: tuple) -> tuple:
    """The row's first MAX_COLUMNS cells; a value further right refuses the sheet."""
    if len(values) <= MAX_COLUMNS:
        return tuple(values)
    for index in range(MAX_COLUMNS, len(values)):
        if not _blank(values[index]):
            letter = get_column_letter(index + 1)
            raise BatchSheetError(
                [
                    Problem(
                        Where(sheet, number, letter),
                        f"a value beyond column {get_column_letter(MAX_COLUMNS)}; the limit is "
                        f"{MAX_COLUMNS} columns",
                    )
                ]
            )
    return tuple(values[:MAX_COLUMNS])


def _sheet_rows(ws, limit: int | None = None) -> Rows:
    """The sheet's rows as tuples of values, trailing blank rows dropped; at most ``limit``
    rows (layout detection), else all of them, refused past ROW_LIMIT.

    A writer may store a wrong size, so after the stated size is checked the rows are read as
    they are in the file; reading stops at the first row past the limit, whatever follows
    (openpyxl yields a blank row for each missing one: a lone cell at row 1,048,576 would
    otherwise mean a million rows read).
    """
    if limit is None:
        _check_declared_size(ws)
    ws.reset_dimensions()
    stop = ROW_LIMIT if limit is None else limit
    rows: Rows = []
    for number, values in enumerate(ws.iter_rows(values_only=True), 1):
        if number > stop:
            if limit is not None:
                break
            raise _too_big(
                ws.title,
                f"the sheet has more than {MAX_ROWS} rows below the header: split the batch, "
                "or delete the empty rows under the data and save again",
                number,
            )
        rows.append(_within_columns(ws.title, number, values))
    while rows and all(_blank(v) for v in rows[-1]):
        rows.pop()
    return rows


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
