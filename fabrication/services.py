"""Writes to the fabrication model. Views, admin and commands call these, never save() logic."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .models import Device, LigandExchangeRecipe, RecipeComponent

# Fields that are the recipe's identity or bookkeeping, not its chemistry.
_RECIPE_IDENTITY = {
    "id",
    "project",
    "code",
    "version",
    "previous_version",
    "created_at",
    "updated_at",
    "created_by",
    "family_code",
}


def recipe_code(family_code: str, version: int) -> str:
    return f"{family_code}-v{version}"


def _recipe_copy(
    source: LigandExchangeRecipe,
    *,
    family_code: str,
    version: int,
    previous: LigandExchangeRecipe | None,
    user,
    changes: dict | None,
) -> LigandExchangeRecipe:
    values = {
        f.name: getattr(source, f.name)
        for f in LigandExchangeRecipe._meta.concrete_fields
        if f.name not in _RECIPE_IDENTITY
    }
    values.update(changes or {})
    recipe = LigandExchangeRecipe.objects.create(
        project=source.project,
        family_code=family_code,
        version=version,
        code=recipe_code(family_code, version),
        previous_version=previous,
        created_by=user,
        **values,
    )
    RecipeComponent.objects.bulk_create(
        RecipeComponent(
            recipe=recipe,
            order=c.order,
            chemical_id=c.chemical_id,
            name=c.name,
            amount=c.amount,
            unit=c.unit,
            role=c.role,
        )
        for c in source.components.all()
    )
    return recipe


@transaction.atomic
def recipe_new_version(
    recipe: LigandExchangeRecipe, *, user=None, changes: dict | None = None
) -> LigandExchangeRecipe:
    """Copy ``recipe`` (with its components) into the next version of its family.

    The source stays as it is: runs and devices that used it keep pointing at it.
    """
    latest = (
        LigandExchangeRecipe.objects.select_for_update()
        .filter(project=recipe.project, family_code=recipe.family_code)
        .aggregate(v=Max("version"))["v"]
    )
    return _recipe_copy(
        recipe,
        family_code=recipe.family_code,
        version=(latest or 0) + 1,
        previous=recipe,
        user=user,
        changes=changes,
    )


@transaction.atomic
def recipe_duplicate(
    recipe: LigandExchangeRecipe, *, family_code: str, user=None
) -> LigandExchangeRecipe:
    """Start a new recipe family from an existing recipe (version 1, no lineage)."""
    if LigandExchangeRecipe.objects.filter(
        project=recipe.project, family_code=family_code
    ).exists():
        raise ValidationError({"family_code": f"A recipe family '{family_code}' already exists."})
    return _recipe_copy(
        recipe, family_code=family_code, version=1, previous=None, user=user, changes=None
    )


def recipe_assert_editable(recipe: LigandExchangeRecipe) -> None:
    """Refuse in-place edits of a version that has been used by a run."""
    if recipe.pk and recipe.is_used:
        raise ValidationError(
            f"Recipe {recipe.code} has been used by {recipe.runs.count()} ligand-exchange run(s) "
            "and is frozen; create a new version to change it."
        )


@transaction.atomic
def recipe_update(
    recipe: LigandExchangeRecipe, *, user=None, changes: dict
) -> LigandExchangeRecipe:
    """Edit a recipe: in place while unused, otherwise as a new version. Returns the result."""
    if recipe.is_used:
        return recipe_new_version(recipe, user=user, changes=changes)
    for name, value in changes.items():
        setattr(recipe, name, value)
    recipe.full_clean()
    recipe.save()
    return recipe


def device_set_status(device, *, status: str, reason: str, user) -> None:
    """Mark a device ok, kept, shorted or excluded; who and when are kept (and in history)."""
    if status not in Device.Status.values:
        raise ValidationError({"status": f"Unknown status '{status}'."})
    if status != Device.Status.OK and not reason.strip():
        raise ValidationError({"reason": "Say why the device is shorted or excluded."})
    device.status = status
    device.status_reason = reason.strip()[:240]
    device.status_set_by = user
    device.status_set_at = timezone.now()
    device.save(
        update_fields=["status", "status_reason", "status_set_by", "status_set_at", "updated_at"]
    )
