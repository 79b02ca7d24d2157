"""Variance attribution on synthetic projects whose truth is known (no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from insights.compute.variance import attribute_variance


def _project(seed: int, lot_effects: dict[str, float], sd=(0.5, 0.3, 0.5)) -> pd.DataFrame:
    """8 batches x 4 substrates x 4 pixels; each substrate's ink comes from one of the lots.
    ``sd``: batch, substrate and residual standard deviations (PCE %)."""
    rng = np.random.default_rng(seed)
    lots = list(lot_effects)
    rows = []
    for b in range(8):
        batch_effect = rng.normal(0, sd[0])
        for s in range(4):
            lot = lots[(b + s) % len(lots)]
            substrate_effect = rng.normal(0, sd[1])
            for _ in range(4):
                value = 10 + lot_effects[lot] + batch_effect + substrate_effect
                rows.append(
                    {
                        "batch": f"B{b}",
                        "substrate": f"B{b}/S{s}",
                        "synthesis": lot,
                        "pce_percent": value + rng.normal(0, sd[2]),
                    }
                )
    return pd.DataFrame(rows)


def test_the_planted_lot_variance_share_lies_within_its_interval():
    rng = np.random.default_rng(7)
    lot_sd, batch_sd, substrate_sd, residual_sd = 1.0, 0.5, 0.3, 0.5
    lots = {f"L{i}": rng.normal(0, lot_sd) for i in range(8)}
    frame = _project(7, lots, (batch_sd, substrate_sd, residual_sd))
    total = lot_sd**2 + batch_sd**2 + substrate_sd**2 + residual_sd**2

    result = attribute_variance(frame, "pce_percent", seed=1)

    shares = {c.level: c for c in result.components}
    assert result.fitted and result.n_devices == 128
    assert set(shares) == {"synthesis", "batch", "substrate", "residual"}
    lot = shares["synthesis"]
    assert lot.ci_low <= lot_sd**2 / total <= lot.ci_high
    assert lot.share == max(c.share for c in result.components)
    assert abs(sum(c.share for c in result.components) - 1) < 1e-9
    assert "N = 128" in result.model and "bootstrap" in result.method


def test_a_lot_planted_far_off_stands_out_and_its_effect_is_recovered_within_two_se():
    lots = {f"L{i}": 0.0 for i in range(8)}
    lots["L3"] = 2.0
    frame = _project(11, lots)

    result = attribute_variance(frame, "pce_percent", seed=1)

    assert [lot.synthesis for lot in result.outlying_lots] == ["L3"]
    flagged = result.outlying_lots[0]
    # Effects are deviations from the mean lot: L3 sits 2.0 - 2.0 / 8 above it.
    planted = 2.0 - 2.0 / 8
    assert abs(flagged.effect - planted) <= 2 * flagged.se
    assert flagged.effect > 0


def test_pure_noise_attributes_nearly_everything_to_the_residual_and_flags_no_lot():
    frame = _project(3, {f"L{i}": 0.0 for i in range(8)}, sd=(0.0, 0.0, 0.5))

    result = attribute_variance(frame, "pce_percent", seed=1)

    shares = {c.level: c for c in result.components}
    assert shares["residual"].share > 0.8
    assert shares["synthesis"].ci_low < 0.05
    assert result.outlying_lots == []


def test_it_says_not_fitted_below_the_minimum_number_of_devices():
    frame = _project(5, {"L0": 0.0, "L1": 1.0}).head(6)

    result = attribute_variance(frame, "pce_percent")

    assert not result.fitted and result.components == [] and result.n_devices == 6
    assert "at least 10" in result.model


def test_a_large_project_is_fitted_on_whole_substrates_drawn_at_random_and_says_so():
    frames = [_project(seed, {"A": 0.0, "B": -2.0, "C": 0.0}) for seed in range(10)]
    frame = pd.concat(
        [f.assign(batch=f["batch"] + f"-{i}", substrate=f["substrate"] + f"-{i}") for i, f in
         enumerate(frames)],
        ignore_index=True,
    )  # fmt: skip
    assert len(frame) == 1280

    result = attribute_variance(frame, "pce_percent", n_bootstrap=5, seed=2)

    assert result.n_devices == 1280
    assert "fitted on 300 of the 1280 devices: 75 of 320 substrates" in result.model
    shares = {c.level: c.share for c in result.components}
    assert max(shares, key=shares.get) == "synthesis"  # the planted lot still dominates


def test_a_lot_used_by_exactly_one_batch_is_said_to_be_indistinguishable_not_a_crash():
    # One lot per batch (as in the demo): the two levels group the devices identically, and
    # fitting both made the information matrix singular (a 500 on the Insights page).
    frame = _project(5, {f"L{i}": 0.0 for i in range(8)})
    frame["synthesis"] = frame["batch"].str.replace("B", "L")

    result = attribute_variance(frame, "pce_percent", seed=1, n_bootstrap=20)

    assert result.fitted
    assert {c.level for c in result.components} == {"synthesis", "substrate", "residual"}
    assert "left out as indistinguishable: batch (same groups as synthesis)" in result.model
