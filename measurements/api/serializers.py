from django.urls import reverse
from rest_framework import serializers

from core.api import CodeOrIdField
from fabrication.models import Device, Film, Synthesis

from .. import hooks, kinds
from ..models import Measurement

CONDITIONS = ("relative_permittivity", "load_resistance_ohm")


class MeasurementUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    device = CodeOrIdField(Device, required=False)
    film = CodeOrIdField(Film, required=False)
    synthesis = CodeOrIdField(Synthesis, required=False)
    kind = serializers.ChoiceField(choices=[], required=False)
    format = serializers.CharField(required=False, max_length=40)
    measured_at = serializers.DateTimeField(required=False)
    area_cm2 = serializers.FloatField(required=False, min_value=1e-6, max_value=1e4)
    irradiance_mw_cm2 = serializers.FloatField(required=False, min_value=0.0, max_value=1e4)
    temperature_c = serializers.FloatField(required=False, min_value=-273.15, max_value=1000)
    relative_humidity_percent = serializers.FloatField(required=False, min_value=0, max_value=100)
    atmosphere = serializers.CharField(required=False, max_length=40, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    # Conditions some kinds need beyond the common ones; kept in the measurement's metadata.
    relative_permittivity = serializers.FloatField(
        required=False, min_value=1.0, max_value=1000.0, help_text="C-V: the film's eps_r"
    )
    load_resistance_ohm = serializers.FloatField(
        required=False,
        min_value=1e-3,
        max_value=1e9,
        help_text="TPC/TPV: the load the transient was measured across (ohm)",
    )

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
        conditions = {k: attrs.pop(k) for k in CONDITIONS if attrs.get(k) is not None}
        attrs["extra_metadata"] = {"conditions": conditions} if conditions else {}
        return attrs


class MeasurementSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    target_type = serializers.CharField(read_only=True)
    target_code = serializers.SerializerMethodField()
    project = serializers.CharField(source="project.code", read_only=True)
    uploaded_by = serializers.CharField(source="created_by.username", default=None)
    sha256 = serializers.CharField(source="raw_file.sha256", read_only=True)
    size_bytes = serializers.IntegerField(source="raw_file.size_bytes", read_only=True)
    results = serializers.SerializerMethodField()

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

    def get_results(self, obj) -> dict | None:
        results = self.context.get("results")
        if results is None:
            results = hooks.results_for([obj])
        return results.get(obj.pk)


class BulkUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="a zip archive")
    manifest = serializers.FileField(required=False, help_text="CSV: file, device|film|synthesis")
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


class BulkReportSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())
    files = BulkLineSerializer(many=True)
