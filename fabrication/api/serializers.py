from rest_framework import serializers

from core import quantities
from core.api import CodeOrIdField, ProjectOwnedSerializer
from core.models import Project

from ..models import (
    Batch,
    Device,
    Film,
    LigandExchangeRecipe,
    LigandExchangeRun,
    RecipeComponent,
    Stack,
    StackLayer,
    Substrate,
    Synthesis,
    SynthesisPrecursor,
    Variant,
)
from ..models.batches import device_code_problems
from .schema import Examples

_READ_ONLY = ["id", "created_at", "updated_at", "created_by"]
# Areas have the bounds of the upload's area_cm2 (core.quantities), shown in the docs too.
_AREA_BOUNDS = {
    "min_value": quantities.QUANTITIES["area_cm2"].minimum,
    "max_value": quantities.QUANTITIES["area_cm2"].maximum,
}


class ProjectSerializer(Examples, serializers.ModelSerializer):
    schema_examples = {"code": "cqd-pbs", "name": "PbS CQD solar cells"}

    class Meta:
        model = Project
        fields = ["id", "code", "name", "description", "created_at"]


class PrecursorSerializer(Examples, serializers.ModelSerializer):
    chemical = serializers.StringRelatedField()

    class Meta:
        model = SynthesisPrecursor
        fields = ["order", "chemical", "name", "amount", "unit", "role"]


class SynthesisSerializer(Examples, ProjectOwnedSerializer):
    schema_examples = {"code": "PbS-933", "name": "PbS hot injection, 1.3 eV"}
    precursors = PrecursorSerializer(many=True, read_only=True)

    class Meta:
        model = Synthesis
        exclude = ["operator"]
        read_only_fields = _READ_ONLY


class ComponentSerializer(Examples, serializers.ModelSerializer):
    chemical = serializers.StringRelatedField()

    class Meta:
        model = RecipeComponent
        fields = ["order", "chemical", "name", "amount", "unit", "role"]


class RecipeSerializer(Examples, ProjectOwnedSerializer):
    schema_examples = {"code": "LX-PbI2-v2", "name": "PbI2/PbBr2 solution exchange"}
    components = ComponentSerializer(many=True, read_only=True)
    is_used = serializers.BooleanField(read_only=True)

    class Meta:
        model = LigandExchangeRecipe
        fields = "__all__"


class LigandExchangeRunSerializer(Examples, ProjectOwnedSerializer):
    schema_examples = {"code": "RUN-2025-06-12", "synthesis": "PbS-933"}
    synthesis = CodeOrIdField(Synthesis)
    recipe = CodeOrIdField(LigandExchangeRecipe)
    recipe_code = serializers.CharField(source="recipe.code", read_only=True)
    ligand_family = serializers.CharField(source="recipe.ligand_family", read_only=True)
    parent_field = "synthesis"

    class Meta:
        model = LigandExchangeRun
        exclude = ["operator"]
        read_only_fields = _READ_ONLY


class StackLayerSerializer(Examples, serializers.ModelSerializer):
    class Meta:
        model = StackLayer
        exclude = ["id", "stack"]


class StackSerializer(Examples, ProjectOwnedSerializer):
    schema_examples = {"code": "ITO-ZnO-PbS-EDT-Au", "name": "ITO/ZnO/PbS-PbI2/PbS-EDT/Au"}
    layers = StackLayerSerializer(many=True, read_only=True)

    class Meta:
        model = Stack
        fields = "__all__"
        read_only_fields = _READ_ONLY


class VariantSerializer(Examples, ProjectOwnedSerializer):
    schema_examples = {"code": "B27/C", "name": "Control PbI2"}
    batch = CodeOrIdField(Batch)
    stack = CodeOrIdField(Stack, required=False, allow_null=True)
    ink = CodeOrIdField(LigandExchangeRun, required=False, allow_null=True)
    parent_field = "batch"

    class Meta:
        model = Variant
        fields = "__all__"
        read_only_fields = _READ_ONLY


class BatchSerializer(Examples, ProjectOwnedSerializer):
    schema_examples = {"code": "B27", "name": "PbI2 vs (BA)2PbI4, 1.3 eV dots"}
    variants = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Batch
        exclude = ["operator"]
        read_only_fields = _READ_ONLY


class SubstrateSerializer(Examples, ProjectOwnedSerializer):
    schema_examples = {"code": "B27/S3"}
    batch = CodeOrIdField(Batch)
    variant = CodeOrIdField(Variant)
    parent_field = "batch"

    class Meta:
        model = Substrate
        fields = "__all__"
        read_only_fields = _READ_ONLY


class DeviceSerializer(Examples, ProjectOwnedSerializer):
    schema_examples = {"code": "B27/S3/P2"}
    substrate = CodeOrIdField(Substrate)
    batch = serializers.CharField(source="substrate.batch.code", read_only=True)
    variant = serializers.CharField(source="substrate.variant.code", read_only=True)
    parent_field = "substrate"

    class Meta:
        model = Device
        fields = "__all__"
        read_only_fields = _READ_ONLY + ["status_set_by", "status_set_at"]
        extra_kwargs = {name: _AREA_BOUNDS for name in ("active_area_cm2", "mask_area_cm2")}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        # The admin's rule (Device.clean): code batch/substrate/pixel, a pixel of the layout.
        current = self.instance
        substrate = attrs.get("substrate", getattr(current, "substrate", None))
        pixel = attrs.get("pixel", getattr(current, "pixel", ""))
        code = attrs.get("code", getattr(current, "code", ""))
        if {"substrate", "pixel", "code"} & set(attrs):
            problems = device_code_problems(substrate, pixel, code)
            if problems:
                raise serializers.ValidationError(problems)
        return attrs


class FilmSerializer(Examples, ProjectOwnedSerializer):
    schema_examples = {"code": "F-PbS-933-glass", "name": "PbS-PbI2 on glass"}
    synthesis = CodeOrIdField(Synthesis, required=False, allow_null=True)
    ink = CodeOrIdField(LigandExchangeRun, required=False, allow_null=True)
    batch = CodeOrIdField(Batch, required=False, allow_null=True)
    stack = CodeOrIdField(Stack, required=False, allow_null=True)

    class Meta:
        model = Film
        fields = "__all__"
        read_only_fields = _READ_ONLY
