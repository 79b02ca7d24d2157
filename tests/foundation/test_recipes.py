import pytest
from django.core.exceptions import ValidationError

from fabrication import services
from fabrication.models import LigandExchangeRecipe, LigandExchangeRun, RecipeComponent


@pytest.fixture
def recipe(world):
    recipe = world["a"].recipe
    RecipeComponent.objects.create(recipe=recipe, order=0, name="PbI2", amount=0.1, unit="M")
    return recipe


def test_an_unused_recipe_is_edited_in_place(world):
    fresh = LigandExchangeRecipe.objects.create(
        project=world["projects"]["a"],
        code="NEW-v1",
        family_code="NEW",
        version=1,
        name="draft",
        ligand_family="EDT",
    )
    result = services.recipe_update(fresh, changes={"name": "final"})
    assert result.pk == fresh.pk
    assert LigandExchangeRecipe.objects.get(pk=fresh.pk).name == "final"


def test_editing_a_used_recipe_creates_a_new_version_and_leaves_the_old_one(world, recipe):
    assert recipe.is_used  # the lab's run uses it
    new = services.recipe_update(recipe, changes={"name": "PbI2 + more NH4Ac"})
    recipe.refresh_from_db()
    assert new.pk != recipe.pk
    assert (new.version, new.code, new.previous_version) == (2, "A-LX-v2", recipe)
    assert recipe.name == "PbI2 control"
    assert [c.name for c in new.components.all()] == ["PbI2"]
    assert recipe.components.count() == 1


def test_a_used_recipe_refuses_an_in_place_change(world, recipe):
    with pytest.raises(ValidationError, match="frozen"):
        services.recipe_assert_editable(recipe)


def test_runs_and_devices_keep_the_version_that_made_them(world, recipe):
    services.recipe_new_version(recipe)
    services.recipe_new_version(recipe)
    device = world["a"].devices[0]
    assert device.substrate.variant.ink.recipe == recipe
    assert LigandExchangeRun.objects.get(code="A-RUN1").recipe.version == 1
    assert list(
        LigandExchangeRecipe.objects.filter(family_code="A-LX").values_list("version", flat=True)
    ) == [1, 2, 3]


def test_duplicating_a_recipe_starts_a_new_family(world, recipe):
    copy = services.recipe_duplicate(recipe, family_code="A-LX-2")
    assert (copy.code, copy.version, copy.previous_version) == ("A-LX-2-v1", 1, None)
    with pytest.raises(ValidationError):
        services.recipe_duplicate(recipe, family_code="A-LX-2")


def test_recipe_changes_are_kept_in_history(world, recipe):
    fresh = LigandExchangeRecipe.objects.create(
        project=world["projects"]["a"],
        code="H-v1",
        family_code="H",
        version=1,
        name="one",
        ligand_family="EDT",
    )
    services.recipe_update(fresh, changes={"name": "two"})
    assert [h.name for h in fresh.history.order_by("history_date")] == ["one", "two"]
