"""Bayesian optimisation on known objectives (no database): it moves toward the optimum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insights.compute.suggest import (
    MEAN,
    SPREAD,
    Categorical,
    Continuous,
    Space,
    calibration,
    objective_table,
    suggest,
)

SPACE = Space(
    continuous=(
        Continuous("absorber_anneal_temperature_c", 60.0, 140.0),
        Continuous("absorber_spin_speed_rpm", 1500.0, 3500.0, integer=True),
    ),
    categorical=(Categorical("ligand_family", ("EDT", "TBAI", "MPA")),),
)
OPTIMUM = 13.0  # at 95 °C, 2600 rpm, TBAI


def _pce(anneal: float, spin: float, ligand: str) -> float:
    """A smooth lab-like objective: one maximum inside the box, one ligand 1 % better."""
    bonus = {"TBAI": 1.0, "EDT": 0.0, "MPA": -0.5}[ligand]
    return 12.0 + bonus - 8 * ((anneal - 95) / 40) ** 2 - 5 * ((spin - 2600) / 1000) ** 2


def _observe(rows: list[dict], rng: np.random.Generator) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["y"] = [
        _pce(r["absorber_anneal_temperature_c"], r["absorber_spin_speed_rpm"], r["ligand_family"])
        + rng.normal(0, 0.1)
        for r in rows
    ]
    return frame


def _start(rng: np.random.Generator, n: int = 6) -> list[dict]:
    return [
        {
            "absorber_anneal_temperature_c": rng.uniform(60, 140),
            "absorber_spin_speed_rpm": float(rng.integers(1500, 3501)),
            "ligand_family": str(rng.choice(["EDT", "MPA"])),
        }
        for _ in range(n)
    ]


def test_a_few_suggestion_rounds_on_a_smooth_objective_close_in_on_its_optimum():
    rng = np.random.default_rng(7)
    rows = _start(rng)
    first_best = _observe(rows, np.random.default_rng(0))["y"].max()
    for round_ in range(5):
        answer = suggest(_observe(rows, np.random.default_rng(round_)), SPACE, n=4, seed=round_)
        assert answer.ok and len(answer.proposals) == 4
        rows += [dict(p.values) for p in answer.proposals]

    truth = [
        _pce(r["absorber_anneal_temperature_c"], r["absorber_spin_speed_rpm"], r["ligand_family"])
        for r in rows
    ]
    assert first_best < OPTIMUM - 1.5  # the start is far from the optimum ...
    assert max(truth) > OPTIMUM - 0.5  # ... five rounds of four variants reach within 0.5 %
    best = rows[int(np.argmax(truth))]
    assert best["ligand_family"] == "TBAI"  # found the better ligand, never observed at first
    assert abs(best["absorber_anneal_temperature_c"] - 95) < 20


def test_proposals_respect_bounds_integers_and_fixed_factors_and_are_reproducible():
    rng = np.random.default_rng(3)
    observed = _observe(_start(rng, 8), rng).assign(recipe_family="LX-A")
    space = Space(
        continuous=SPACE.continuous,
        categorical=(Categorical("ligand_family", ("EDT", "TBAI")),),
        fixed=(("recipe_family", "LX-A"),),
    )

    first = suggest(observed, space, n=5, seed=11)
    again = suggest(observed, space, n=5, seed=11)

    assert [p.values for p in first.proposals] == [p.values for p in again.proposals]
    for p in first.proposals:
        assert 60 <= p.values["absorber_anneal_temperature_c"] <= 140
        assert 1500 <= p.values["absorber_spin_speed_rpm"] <= 3500
        assert p.values["absorber_spin_speed_rpm"] == round(p.values["absorber_spin_speed_rpm"])
        assert p.values["ligand_family"] in ("EDT", "TBAI")
        assert p.values["recipe_family"] == "LX-A"
        assert p.sd > 0 and np.isfinite(p.mean)
    assert len({tuple(p.values.items()) for p in first.proposals}) == 5  # five distinct variants


def test_minimising_an_objective_proposes_what_maximising_its_negative_does():
    rng = np.random.default_rng(5)
    observed = _observe(_start(rng, 10), rng)
    spread = observed.assign(y=13.5 - observed["y"])  # lowest where PCE is highest

    up = suggest(observed, SPACE, n=3, seed=1)
    down = suggest(spread, SPACE, n=3, maximise=False, seed=1)

    assert [p.values for p in down.proposals] == [p.values for p in up.proposals]
    assert [p.mean for p in down.proposals] == pytest.approx([13.5 - p.mean for p in up.proposals])
    assert down.best_observed == pytest.approx(spread["y"].min())


def test_fewer_than_four_observed_variants_are_not_enough_data():
    rng = np.random.default_rng(1)

    answer = suggest(_observe(_start(rng, 3), rng), SPACE, n=2)

    assert not answer.ok and answer.proposals == []
    assert "not enough data" in answer.summary and "at least 4" in answer.summary


def test_the_objective_table_has_one_row_per_variant_with_its_mean_or_substrate_spread():
    devices = pd.DataFrame(
        {
            "variant": ["V1"] * 4 + ["V2"] * 2,
            "substrate": ["S1", "S1", "S2", "S2", "S3", "S3"],
            "anneal": [90.0] * 4 + [110.0] * 2,
            "pce_percent": [10.0, 12.0, 8.0, 8.0, 9.0, np.nan],
        }
    )

    means = objective_table(devices, MEAN, "pce_percent", ["anneal"])
    spreads = objective_table(devices, SPREAD, "pce_percent", ["anneal"])

    assert means.to_dict("records") == [
        {"variant": "V1", "anneal": 90.0, "y": 9.5, "n_devices": 4},
        {"variant": "V2", "anneal": 110.0, "y": 9.0, "n_devices": 1},
    ]
    # V1: substrate means 11 and 8 -> sd 2.12; V2 has one substrate: no spread, left out.
    assert spreads["variant"].tolist() == ["V1"]
    assert spreads["y"].iloc[0] == pytest.approx(np.std([11.0, 8.0], ddof=1))


def test_calibration_counts_measured_values_inside_the_predicted_intervals():
    result = calibration([10.0, 10.0, 10.0, 10.0], [1.0, 1.0, 1.0, 1.0], [10.5, 11.5, 7.0, None])

    assert result == {
        "n": 3,
        "within_68": pytest.approx(1 / 3),
        "within_95": pytest.approx(2 / 3),
        "mean_z": pytest.approx((0.5 + 1.5 - 3.0) / 3),
    }
