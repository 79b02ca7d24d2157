import pytest

from fabrication.models import LigandExchangeRun


@pytest.fixture
def lab(world):
    """The world, plus a second ink in project A for the target variant."""
    a = world["a"]
    LigandExchangeRun.objects.create(
        project=world["projects"]["a"], code="A-RUN2", synthesis=a.synthesis, recipe=a.recipe
    )
    return world
