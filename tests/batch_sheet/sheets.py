"""Batch sheets filled in programmatically, the way a chemist fills the downloaded template."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import openpyxl

from fabrication.batch_sheets.template import template_workbook

HYSPRINT_FILE = Path(__file__).parents[1] / "data/real/batch/20250114_experiment_file.xlsx"

LAYERS = {
    "Substrate": {"material": "ITO glass", "method": "purchased", "thickness (nm)": 150},
    "ETL": {
        "material": "ZnO",
        "method": "sol-gel spin coating",
        "spin speed (rpm)": 3000,
        "spin time (s)": 30,
        "coats": 1,
        "anneal T (C)": 200,
        "anneal time (min)": 30,
        "anneal atmosphere": "air",
        "thickness (nm)": 40,
    },
    "Absorber": {
        "material": "PbS",
        "method": "spin coating",
        "spin speed (rpm)": 2500,
        "spin time (s)": 30,
        "coats": 1,
        "anneal T (C)": 70,
        "anneal time (min)": 10,
        "anneal atmosphere": "N2",
        "thickness (nm)": 370,
    },
    "HTL": {
        "material": "PbS-EDT",
        "method": "layer-by-layer spin coating",
        "spin speed (rpm)": 2500,
        "spin time (s)": 15,
        "coats": 2,
        "thickness (nm)": 50,
    },
    "Electrode": {"material": "Au", "method": "thermal evaporation", "thickness (nm)": 80},
}
VARIANTS = {
    "T": {"Variant name": "Target (BA)2PbI4", "Role": "target", "Ink": "A-RUN2"},
    "C": {"Variant name": "Control PbI2", "Role": "control", "Ink": "A-RUN1"},
    "R": {
        "Variant name": "Reference, 3 EDT coats",
        "Role": "reference",
        "Ink": "A-RUN1",
        "HTL coats": 3,
    },
}
BATCH = {
    "Code": "B-NEW",
    "Name": "1.0 eV dots: (BA)2PbI4 vs PbI2",
    "Date": "2025-03-24",
    "Operator": "colleague",
    "Notes": "ZnO aged 2 days",
    "Glovebox O2 (ppm)": 0.8,
    "Glovebox H2O (ppm)": 0.5,
    "Relative humidity (%)": 25,
    "Temperature (C)": 22,
}


def device(variant: str, substrate: str, pixel: str, area: float = 0.05, **changes) -> dict:
    row = {
        "Variant": variant,
        "Substrate": substrate,
        "Pixel": pixel,
        "Active area (cm2)": area,
        "Mask area (cm2)": 0.06,
    }
    for role, params in LAYERS.items():
        row.update({f"{role} {name}": value for name, value in params.items()})
    row.update(VARIANTS.get(variant, {}))
    row.update(changes)
    return row


def standard_devices() -> list[dict]:
    """T and C: two substrates of three pixels each; R: one substrate of two pixels."""
    rows = []
    for variant, substrates in (("T", ("S1", "S2")), ("C", ("S3", "S4")), ("R", ("S5",))):
        for substrate in substrates:
            pixels = 2 if variant == "R" else 3
            rows += [device(variant, substrate, f"P{p}") for p in range(1, pixels + 1)]
    return rows


def filled_template(
    batch: dict | None = None, devices: list[dict] | None = None, edit=None
) -> bytes:
    """The downloaded template with its Value column and device rows replaced."""
    wb = openpyxl.load_workbook(BytesIO(template_workbook()))
    ws = wb["Batch"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for label, value in (BATCH if batch is None else batch).items():
        ws.cell(rows[label], 2, value)
    ws = wb["Devices"]
    headers = {cell.value: cell.column for cell in ws[1]}
    ws.delete_rows(2, ws.max_row)
    for number, row in enumerate(standard_devices() if devices is None else devices, 2):
        for label, value in row.items():
            ws.cell(number, headers[label], value)
    if edit:
        edit(wb)
    return save(wb)


def save(wb) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def hysprint_copy(edit) -> bytes:
    """The real HySprint file with values (not formulas) edited, as Excel would save it."""
    wb = openpyxl.load_workbook(HYSPRINT_FILE, data_only=True)
    edit(wb.active)
    return save(wb)
