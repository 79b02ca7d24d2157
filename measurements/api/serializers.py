import json
import math

from django.db import models
from django.urls import reverse
from rest_framework import serializers

from core import quantities
from core.api import CodeOrIdField
from core.jsonsafe import json_safe
from fabrication.api.schema import Examples, UploadFileField
from fabrication.models import Device, Film, Synthesis

from .. import hooks, kinds
from ..models import Measurement

CONDITIONS = (
    "relative_permittivity",
    "load_resistance_ohm",
    "repetition_rate_hz",
    "illumination",
    "irf_measurement",
    "eqe_unit",
)


def _pixel_map(text: str) -> dict | str:
    """'{"1": "CODE"}' or '1=CODE, 2=CODE' as a dict; other text is left for the field to
    refuse with its own message."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    pairs = [part.split("=", 1) for part in text.replace(";", ",").split(",") if part.strip()]
    if any(len(pair) != 2 for pair in pairs):
        return text
    return {k.strip(): v.strip() for k, v in pairs}


class QuantityField(serializers.FloatField):
    """A measurement condition, checked by ``core.quantities``: the bounds and the words of
    the manifest, file-header and batch-sheet paths. min/max stay for the OpenAPI schema."""

    def __init__(self, quantity: str, **kwargs):
        self.quantity = quantities.QUANTITIES[quantity]
        kwargs.setdefault("required", False)
        super().__init__(min_value=self.quantity.minimum, max_value=self.quantity.maximum, **kwargs)

    def to_internal_value(self, data: object) -> float:
        if isinstance(data, str) and len(data) > self.MAX_STRING_LENGTH:
            self.fail("max_string_length")
        try:
            value = float(data)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            self.fail("invalid")
        try:
            return quantities.check(self.quantity.name, value)
        except quantities.QuantityError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class FiniteFloatField(serializers.FloatField):
    """Read side: a NaN or an infinity stored before the bounds existed renders as null; JSON
    has no spelling for it, and one such row would make a whole list answer 500."""

    def to_representation(self, value: object) -> float | None:
        number = float(value)  # type: ignore[arg-type]
        return number if math.isfinite(number) else None


class MeasurementUploadSerializer(Examples, serializers.Serializer):
    schema_examples = {
        "pixel_map": {"1": "B27/S3/P1", "2": "B27/S3/P2"},
        "irf": "M-2025-000123",
        "eqe_unit": "percent",
        "illumination": "light",
    }
    file = UploadFileField(help_text="the instrument's file, as it wrote it")
    device = CodeOrIdField(
        Device, required=False, help_text="the device (pixel) measured: its code or id"
    )
    film = CodeOrIdField(Film, required=False, help_text="or a film: its code or id")
    synthesis = CodeOrIdField(
        Synthesis, required=False, help_text="or a synthesis (absorbance, PL): its code or id"
    )
    kind = serializers.ChoiceField(
        choices=[], required=False, help_text="the measurement kind; read from the file if omitted"
    )
    format = serializers.CharField(
        required=False, max_length=40, help_text="the reader to use; detected if omitted"
    )
    measured_at = serializers.DateTimeField(
        required=False, help_text="when it was measured; the file's own time if omitted"
    )
    area_cm2 = QuantityField("area_cm2", help_text="active area (cm²); the device's if omitted")
    irradiance_mw_cm2 = QuantityField(
        "irradiance_mw_cm2", help_text="irradiance (mW/cm²); 100 is one sun, 0 is dark"
    )
    temperature_c = QuantityField("temperature_c", help_text="cell temperature (°C)")
    relative_humidity_percent = QuantityField(
        "relative_humidity_percent", help_text="relative humidity (%)"
    )
    atmosphere = serializers.CharField(
        required=False, max_length=40, allow_blank=True, help_text="e.g. N2, air"
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    # Conditions some kinds need beyond the common ones; kept in the measurement's metadata.
    relative_permittivity = QuantityField(
        "relative_permittivity", help_text="C-V: the film's eps_r"
    )
    load_resistance_ohm = QuantityField(
        "load_resistance_ohm", help_text="TPC/TPV: the load the transient was measured across (ohm)"
    )
    repetition_rate_hz = QuantityField(
        "repetition_rate_hz", help_text="TRPL/TPV: the excitation repetition rate (Hz)"
    )
    eqe_unit = serializers.ChoiceField(
        choices=["percent", "fraction"],
        required=False,
        help_text="EQE: the unit of the EQE column when the file does not say",
    )
    illumination = serializers.ChoiceField(
        choices=["light", "dark"],
        required=False,
        help_text="J-V: declare the curves dark (no PCE; diode fit) or light",
    )
    irf = CodeOrIdField(
        Measurement,
        required=False,
        help_text="TRPL: the instrument response, a TRPL measurement of the same project",
    )
    confirm_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text="store these bytes here although they already belong to another target",
    )
    pixel_map = serializers.DictField(
        child=serializers.CharField(max_length=80),
        required=False,
        help_text='a file of several pixels: {"pixel as the file names it": "device code"}',
    )
    create_pixels = serializers.BooleanField(
        required=False,
        default=False,
        help_text="create devices for pixels of the file the substrate has none for",
    )
    profile = serializers.CharField(
        required=False,
        max_length=80,
        help_text="the instrument profile (code or id) of the target's project that must read "
        "the file; without it a profile whose match rules the file meets reads it",
    )

    def to_internal_value(self, data):
        # A multipart form sends pixel_map as text: JSON, or "1=CODE,2=CODE".
        raw = data.get("pixel_map") if hasattr(data, "get") else None
        if isinstance(raw, str):
            # A plain dict: DRF reads a form's dict fields from "pixel_map.<key>" entries.
            data = data.dict() if hasattr(data, "dict") else dict(data)
            data["pixel_map"] = _pixel_map(raw)
        return super().to_internal_value(data)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Kinds are registered at start-up by the analysis app: read them when used.
        self.fields["kind"].choices = kinds.choices()

    def validate(self, attrs):
        targets = [t for t in ("device", "film", "synthesis") if attrs.get(t) is not None]
        if len(targets) != 1:
            raise serializers.ValidationError(
                {"target": "Give exactly one of device, film or synthesis (code or id)."}
            )
        attrs["target"] = attrs.pop(targets[0])
        irf = attrs.pop("irf", None)
        if irf is not None:
            if irf.kind != "trpl" or irf.project_id != attrs["target"].project_id:
                raise serializers.ValidationError(
                    {"irf": f"{irf.code} is no TRPL measurement of this project."}
                )
            attrs["irf_measurement"] = irf.id
        conditions = {k: attrs.pop(k) for k in CONDITIONS if attrs.get(k) is not None}
        attrs["extra_metadata"] = {"conditions": conditions} if conditions else {}
        return attrs


class MeasurementSerializer(Examples, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.FloatField: FiniteFloatField,
    }
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    target_type = serializers.CharField(read_only=True)
    target_code = serializers.SerializerMethodField()
    project = serializers.CharField(source="project.code", read_only=True)
    uploaded_by = serializers.CharField(source="created_by.username", default=None)
    sha256 = serializers.CharField(source="raw_file.sha256", read_only=True)
    size_bytes = serializers.IntegerField(source="raw_file.size_bytes", read_only=True)
    results = serializers.SerializerMethodField()
    found = serializers.SerializerMethodField(
        help_text="what reading the file found: the reader, curves, pixels, area and its "
        "source, irradiance, and the reader's warnings"
    )

    class Meta:
        model = Measurement
        fields = [
            "id",
            "code",
            "url",
            "project",
            "kind",
            "status",
            "error",
            "format",
            "target_type",
            "target_code",
            "device",
            "film",
            "synthesis",
            "measured_at",
            "area_cm2",
            "irradiance_mw_cm2",
            "temperature_c",
            "relative_humidity_percent",
            "atmosphere",
            "scan_rate_mv_s",
            "notes",
            "original_filename",
            "sha256",
            "size_bytes",
            "download_url",
            "uploaded_by",
            "created_at",
            "queued_at",
            "started_at",
            "finished_at",
            "attempts",
            "analysis_version",
            "analysed_by",
            "results",
            "found",
        ]
        read_only_fields = fields

    def _abs(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_url(self, obj) -> str:
        return self._abs(reverse("api:measurement-detail", args=[obj.pk]))

    def get_download_url(self, obj) -> str:
        return self._abs(reverse("api:measurement-raw", args=[obj.pk]))

    def get_target_code(self, obj) -> str:
        return obj.target.code

    def get_found(self, obj) -> dict:
        meta = obj.metadata or {}
        area = meta.get("area") or {}
        pixel = meta.get("pixel")
        # json_safe: a stored non-finite number must never make an answer fail (None instead).
        return json_safe(
            {
                "reader": obj.format,
                "kind": obj.kind,
                "curves": meta.get("series"),
                "pixel": pixel,
                "area_cm2": obj.area_cm2,
                "area_source": area.get("source") or ("file or upload" if obj.area_cm2 else ""),
                "area_sources_disagree": bool(area.get("disagree")),
                "irradiance_mw_cm2": obj.irradiance_mw_cm2,
                "profile": meta.get("profile"),
                "warnings": list(meta.get("warnings") or [])[:20],
            }
        )

    def get_results(self, obj) -> dict | None:
        results = self.context.get("results")
        if results is None:
            results = hooks.results_for([obj])
        return results.get(obj.pk)


class BulkUploadSerializer(Examples, serializers.Serializer):
    file = UploadFileField(help_text="a zip archive")
    manifest = UploadFileField(required=False, help_text="CSV: file, device|film|synthesis")
    device = CodeOrIdField(Device, required=False, help_text="target for unmapped files")
    film = CodeOrIdField(Film, required=False)
    synthesis = CodeOrIdField(Synthesis, required=False)


class BulkLineSerializer(serializers.Serializer):
    file = serializers.CharField()
    target = serializers.CharField()
    status = serializers.ChoiceField(choices=["created", "duplicate", "failed"])
    measurement_id = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    message = serializers.CharField()
    format = serializers.CharField(help_text="the reader or instrument profile that read it")
    target_type = serializers.CharField()
    target_id = serializers.IntegerField(allow_null=True)


class BulkReportSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())
    files = BulkLineSerializer(many=True)
