"""The cqdlab template's sheets, fields and columns, shared by the template and the reader."""

from __future__ import annotations

from .cells import _Field
from .plan import (
    CODE_MAX_LENGTH,
    LAYER_ROLES,
    PIXEL_MAX,
    SUBSTRATE_LABEL_MAX,
    SUBSTRATE_MATERIAL_MAX,
    VARIANT_NAME_MAX,
)

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
