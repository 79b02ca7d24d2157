import pytest
from django.db import IntegrityError, transaction

from fabrication.models import Batch, Synthesis


def test_a_code_is_unique_within_a_project(world):
    a = world["projects"]["a"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Synthesis.objects.create(project=a, code="A-PbS-1180")


def test_the_same_code_may_live_in_two_projects(world):
    b = world["projects"]["b"]
    Batch.objects.create(project=b, code="A-B1")
    assert Batch.objects.filter(code="A-B1").count() == 2
