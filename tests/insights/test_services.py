"""Suggestion rounds, planned batches and planned versus actual, on a generated project."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from fabrication.batch_sheets.reader import read_workbook
from fabrication.models import Batch, StackLayer
from insights.models import SuggestionRound
from insights.services import (
    SuggestionRefused,
    batch_plan,
    compute_round,
    confirm_round,
    plan_sheet,
    planned_vs_actual,
)

from .generated import add_result, make_project, true_pce

ANNEAL = "absorber_anneal_temperature_c"
SPEC = {"continuous": [{"name": ANNEAL, "low": 60, "high": 140}]}

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(world):
    project, owner = world["projects"]["a"], world["users"]["owner"]
    return {**make_project(project, owner), "project": project, "owner": owner}


def _round(generated, n: int = 3) -> SuggestionRound:
    return compute_round(
        user=generated["owner"],
        project=generated["project"],
        metric="pce_percent",
        objective="mean",
        spec=SPEC,
        n=n,
    )


def test_a_round_stores_its_proposals_inside_the_bounds_with_prediction_and_author(generated):
    round_ = _round(generated)

    assert round_.code == "SUG-001" and round_.created_by == generated["owner"]
    assert round_.n_observations == 10 and round_.maximise
    anneals = {variant.code: anneal for variant, anneal in generated["variants"]}
    truly_best = max(true_pce(a) for a in anneals.values())
    # The plan's base: the variant observed best, truly among the best (noise sd 0.3 / √6).
    assert true_pce(anneals[round_.space["base_variant"]]) > truly_best - 0.3
    proposals = list(round_.proposals.all())
    assert [p.index for p in proposals] == [1, 2, 3]
    assert all(60 <= p.values[ANNEAL] <= 140 and p.predicted_sd > 0 for p in proposals)
    # The first pick is where EI is highest: near the best anneal (the truth: 100 °C).
    assert abs(proposals[0].values[ANNEAL] - 100) < 25


def test_a_viewer_may_not_compute_a_round(generated, world):
    with pytest.raises(PermissionDenied):
        compute_round(
            user=world["users"]["viewer"], project=generated["project"], metric="pce_percent",
            objective="mean", spec=SPEC, n=2,
        )  # fmt: skip


def test_a_parameter_the_project_does_not_have_is_refused_by_name(generated):
    with pytest.raises(SuggestionRefused, match="no_such_c"):
        compute_round(
            user=generated["owner"], project=generated["project"], metric="pce_percent",
            objective="mean", spec={"continuous": [{"name": "no_such_c", "low": 0, "high": 1}]},
            n=2,
        )  # fmt: skip


def test_t80_without_aging_data_is_not_enough_data(generated):
    with pytest.raises(SuggestionRefused, match="not enough data"):
        compute_round(
            user=generated["owner"], project=generated["project"], metric="pce_percent",
            objective="t80", spec=SPEC, n=2,
        )  # fmt: skip


def test_the_plan_sheet_is_the_template_filled_in_and_reads_back_as_the_same_plan(generated):
    round_ = _round(generated)
    plan = batch_plan(round_, "P-1", substrates_per_variant=2, pixels=4)

    read = read_workbook(plan_sheet(plan))

    assert read.code == "P-1" and read.device_count == 3 * 2 * 4
    assert [v.code for v in read.variants] == ["V1", "V2", "V3"]
    assert all(v.ink == "G-RUN1" for v in read.variants)
    for variant, proposal in zip(read.variants, round_.proposals.all(), strict=True):
        absorber = next(layer for layer in variant.layers if layer.role == "absorber")
        assert absorber.anneal_temperature_c == pytest.approx(proposal.values[ANNEAL])
        assert absorber.spin_speed_rpm == 2500  # the base variant's, not chosen: kept


def test_confirming_makes_a_planned_batch_whose_variants_record_their_suggestion(generated):
    round_ = _round(generated)
    plan = batch_plan(round_, "P-1", substrates_per_variant=1, pixels=2)

    batch = confirm_round(user=generated["owner"], round_=round_, plan=plan)

    assert batch.state == Batch.State.PLANNED
    assert Batch.objects.get(code="G-B0").state == Batch.State.MADE  # others unchanged
    round_.refresh_from_db()
    assert round_.batch == batch
    for proposal in round_.proposals.all():
        variant = proposal.variant
        assert variant.batch == batch and variant.suggestion == proposal
        assert f"From suggestion SUG-001 #{proposal.index}" in variant.description
        absorber = StackLayer.objects.get(stack=variant.stack, role="absorber")
        assert absorber.anneal_temperature_c == pytest.approx(proposal.values[ANNEAL])
    with pytest.raises(SuggestionRefused, match="already planned"):
        confirm_round(user=generated["owner"], round_=round_, plan=batch_plan(round_, "P-2"))


def test_planned_versus_actual_compares_prediction_and_measurement_once_measured(generated):
    round_ = _round(generated, n=2)
    batch = confirm_round(
        user=generated["owner"], round_=round_, plan=batch_plan(round_, "P-1", 1, 3)
    )
    rows, summary = planned_vs_actual(generated["project"])
    assert [r["measured"] for r in rows] == [None, None] and summary["n"] == 0

    proposals = list(round_.proposals.all())
    first = proposals[0]
    for device in batch.substrates.get(variant=first.variant).devices.all():
        add_result(device, first.predicted_mean + 0.5 * first.predicted_sd, generated["raw"],
                   timezone.now())  # fmt: skip
    rows, summary = planned_vs_actual(generated["project"])

    assert rows[0]["measured"] == pytest.approx(first.predicted_mean + 0.5 * first.predicted_sd)
    assert rows[0]["n_devices"] == 3 and rows[0]["within_68"] and rows[0]["within_95"]
    assert rows[1]["measured"] is None
    assert summary == {"n": 1, "within_68": 1.0, "within_95": 1.0, "mean_z": pytest.approx(0.5)}


def test_a_fixed_factor_given_as_text_is_read_as_the_number_its_column_holds(generated):
    round_ = compute_round(
        user=generated["owner"],
        project=generated["project"],
        metric="pce_percent",
        objective="mean",
        spec={**SPEC, "fixed": {"absorber_spin_speed_rpm": "2500"}},
        n=2,
    )

    assert [p.values["absorber_spin_speed_rpm"] for p in round_.proposals.all()] == [2500.0] * 2
    with pytest.raises(SuggestionRefused, match="must be a number"):
        compute_round(
            user=generated["owner"], project=generated["project"], metric="pce_percent",
            objective="mean", spec={**SPEC, "fixed": {"absorber_spin_speed_rpm": "fast"}}, n=2,
        )  # fmt: skip
