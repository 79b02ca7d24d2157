from rest_framework import serializers

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

_READ_ONLY = ["id", "created_at", "updated_at", "created_by"]


class ProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "code", "name", "description", "created_at"]


class PrecursorSerializer(serializers.ModelSerializer):
    chemical = serializers.StringRelatedField()

    class Meta:
        model = SynthesisPrecursor
        fields = ["order", "chemical", "name", "amount", "unit", "role"]


class SynthesisSerializer(ProjectOwnedSerializer):
    precursors = PrecursorSerializer(many=True, read_only=True)

    class Meta:
        model = Synthesis
        exclude = ["operator"]
        read_only_fields = _READ_ONLY


class ComponentSerializer(serializers.ModelSerializer):
    chemical = serializers.StringRelatedField()

    class Meta:
        model = RecipeComponent
        fields = ["order", "chemical", "name", "amount", "unit", "role"]


class RecipeSerializer(ProjectOwnedSerializer):
    components = ComponentSerializer(many=True, read_only=True)
    is_used = serializers.BooleanField(read_only=True)

    class Meta:
        model = LigandExchangeRecipe
        fields = "__all__"


class LigandExchangeRunSerializer(ProjectOwnedSerializer):
    synthesis = CodeOrIdField(Synthesis)
    recipe = CodeOrIdField(LigandExchangeRecipe)
    recipe_code = serializers.CharField(source="recipe.code", read_only=True)
    ligand_family = serializers.CharField(source="recipe.ligand_family", read_only=True)
    parent_field = "synthesis"

    class Meta:
        model = LigandExchangeRun
        exclude = ["operator"]
        read_only_fields = _READ_ONLY


class StackLayerSerializer(serializers.ModelSerializer):
    class Meta:
        model = StackLayer
        exclude = ["id", "stack"]


class StackSerializer(ProjectOwnedSerializer):
    layers = StackLayerSerializer(many=True, read_only=True)

    class Meta:
        model = Stack
        fields = "__all__"
        read_only_fields = _READ_ONLY


class VariantSerializer(ProjectOwnedSerializer):
    batch = CodeOrIdField(Batch)
    stack = CodeOrIdField(Stack, required=False, allow_null=True)
    ink = CodeOrIdField(LigandExchangeRun, required=False, allow_null=True)
    parent_field = "batch"

    class Meta:
        model = Variant
        fields = "__all__"
        read_only_fields = _READ_ONLY


class BatchSerializer(ProjectOwnedSerializer):
    variants = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Batch
        exclude = ["operator"]
        read_only_fields = _READ_ONLY


class SubstrateSerializer(ProjectOwnedSerializer):
    batch = CodeOrIdField(Batch)
    variant = CodeOrIdField(Variant)
    parent_field = "batch"

    class Meta:
        model = Substrate
        fields = "__all__"
        read_only_fields = _READ_ONLY


class DeviceSerializer(ProjectOwnedSerializer):
    substrate = CodeOrIdField(Substrate)
    batch = serializers.CharField(source="substrate.batch.code", read_only=True)
    variant = serializers.CharField(source="substrate.variant.code", read_only=True)
    parent_field = "substrate"

    class Meta:
        model = Device
        fields = "__all__"
        read_only_fields = _READ_ONLY + ["status_set_by", "status_set_at"]


class FilmSerializer(ProjectOwnedSerializer):
    synthesis = CodeOrIdField(Synthesis, required=False, allow_null=True)
    ink = CodeOrIdField(LigandExchangeRun, required=False, allow_null=True)
    batch = CodeOrIdField(Batch, required=False, allow_null=True)
    stack = CodeOrIdField(Stack, required=False, allow_null=True)

    class Meta:
        model = Film
        fields = "__all__"
        read_only_fields = _READ_ONLY
