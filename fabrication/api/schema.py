"""What the API docs (/api/docs/) show beside the types: realistic example values and files.

Swagger UI fills "Try it out" and the example bodies from a property's ``example``; without
one it invents "string" for a device code and the upper bound (10000 cm²) for an area, which
reads as if the API expected them. Examples here are a lab's everyday values. This module sits
in fabrication so every API layer above it (measurements, analysis, insights) can use it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# One lab's everyday values, used wherever a field of that name appears in the docs.
EXAMPLES: dict[str, Any] = {
    "project": "cqd-pbs",
    "code": "B27/S3/P2",
    "name": "PbI2 control, 1.3 eV dots",
    "device": "B27/S3/P2",
    "film": "F-PbS-933-glass",
    "synthesis": "PbS-933",
    "batch": "B27",
    "variant": "B27/C",
    "substrate": "B27/S3",
    "stack": "ITO-ZnO-PbS-EDT-Au",
    "recipe": "LX-PbI2-v2",
    "ink": "RUN-2025-06-12",
    "label": "S3",
    "pixel": "P2",
    "kind": "jv",
    "format": "hzb-keithley",
    "measured_at": "2025-06-16T14:32:00Z",
    "area_cm2": 0.049,
    "active_area_cm2": 0.049,
    "mask_area_cm2": 0.0314,
    "irradiance_mw_cm2": 100.0,
    "temperature_c": 25.0,
    "relative_humidity_percent": 35.0,
    "atmosphere": "N2",
    "scan_rate_mv_s": 100.0,
    "notes": "after 2 days in N2",
    "relative_permittivity": 18.0,
    "load_resistance_ohm": 50.0,
    "repetition_rate_hz": 1e6,
    "material": "PbS",
    "target_exciton_peak_nm": 933.0,
    "measured_exciton_peak_nm": 936.0,
    "diameter_nm": 3.2,
    "concentration_mg_ml": 50.0,
    "ligand_family": "PbI2",
    "family_code": "LX-PbI2",
    "solvent": "DMF",
    "antisolvent": "toluene",
    "thickness_nm": 350.0,
    "substrate_material": "glass",
    "status_reason": "shorted: Rsh below 100 ohm cm2",
    "glovebox_o2_ppm": 0.5,
    "glovebox_h2o_ppm": 0.3,
    "ambient_temperature_c": 22.0,
    "ink_concentration_mg_ml": 200.0,
    "original_filename": "B27_S3_P2.reverse.jv.txt",
    "target_code": "B27/S3/P2",
}


def example(field: serializers.Field, value: Any) -> serializers.Field:
    """``field`` with ``value`` as its example in the docs (set on this field instance)."""
    field.schema_example = value  # type: ignore[attr-defined]
    return field


class Examples:
    """Serializer mixin (first in the bases): fields named in EXAMPLES, or in the class's own
    ``schema_examples``, carry that example in the docs."""

    schema_examples: dict[str, Any] = {}

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()  # type: ignore[misc]
        known = {**EXAMPLES, **self.schema_examples}
        for name, field in fields.items():
            if name in known and not hasattr(field, "schema_example"):
                example(field, known[name])
        return fields


@extend_schema_field({"type": "string", "format": "binary"})
class UploadFileField(serializers.FileField):
    """A file in a multipart request: typed ``string($binary)``, so "Try it out" offers a
    file picker (drf-spectacular types a plain FileField as a URI unless every request
    component is split from its response one)."""


class ExampleFieldSchema(OpenApiSerializerFieldExtension):
    """Any field given an example: its usual schema (bounds, enum, description) plus it."""

    target_class = serializers.Field
    match_subclasses = True
    priority = 10  # before the field's own extension (e.g. CodeOrIdField's), which it calls

    @classmethod
    def _matches(cls, target: Any) -> bool:
        return "schema_example" in getattr(target, "__dict__", {}) and super()._matches(target)

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        value = field.__dict__.pop("schema_example")
        try:
            schema = auto_schema._map_serializer_field(field, direction)
        finally:
            field.schema_example = value
        if schema is None or not _fits(schema.get("type"), value):
            # A code-or-id field read back as an id: "B27/S3" would contradict its type.
            return schema
        # An enum's reference gets the example beside it (drf-spectacular wraps it in allOf).
        return {**schema, "example": value}


def _fits(kind: str | None, value: Any) -> bool:
    """Whether an example agrees with the schema's type (no type: a reference, any fits)."""
    expected = {
        "integer": int,
        "number": (int, float),
        "string": str,
        "boolean": bool,
        "object": dict,
        "array": list,
    }
    return kind is None or isinstance(value, expected.get(kind, object))
