"""Parameter importance on synthetic projects whose truth is known (no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from insights.compute.importance import NOT_ENOUGH_DATA, RANKED, rank_parameters

PARAMETERS = [
    "absorber_anneal_temperature_c",
    "absorber_spin_speed_rpm",
    "ink_age_days",
    "glovebox_h2o_ppm",
    "injection_temperature_c",
    "recipe_solvent",
]


def _project(seed: int, drive: float, batches: int = 8, devices: int = 16) -> pd.DataFrame:
    """PCE = 10 + drive x (anneal - 110 °C) + batch effect + noise; the anneal is set per batch,
    every other parameter is noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for b in range(batches):
        anneal, batch_effect = rng.uniform(80, 140), rng.normal(0, 0.3)
        for _ in range(devices):
            rows.append(
                {
                    "batch": f"B{b}",
                    "absorber_anneal_temperature_c": anneal,
                    "absorber_spin_speed_rpm": rng.choice([2000, 2500, 3000]),
                    "ink_age_days": rng.uniform(0, 10),
                    "glovebox_h2o_ppm": rng.uniform(0, 5),
                    "injection_temperature_c": rng.uniform(90, 130),
                    "recipe_solvent": rng.choice(["octane", "hexane"]),
                    "pce_percent": 10 + drive * (anneal - 110) + batch_effect + rng.normal(0, 0.4),
                }
            )
    return pd.DataFrame(rows)


def test_the_planted_parameter_ranks_first_and_stands_out():
    answer = rank_parameters(_project(2, drive=0.05), "pce_percent", "batch", PARAMETERS)

    assert answer.verdict == RANKED
    assert answer.parameters[0].name == "absorber_anneal_temperature_c"
    assert answer.parameters[0].ci_low > 0
    assert answer.summary == "stands out: absorber_anneal_temperature_c"
    importances = [p.importance for p in answer.parameters]
    assert importances == sorted(importances, reverse=True)
    assert answer.n_devices == 128 and answer.n_batches == 8


def test_pure_noise_gives_no_parameter_standing_out():
    answer = rank_parameters(_project(5, drive=0.0), "pce_percent", "batch", PARAMETERS)

    assert answer.verdict == RANKED
    assert len(answer.parameters) == len(PARAMETERS)
    assert all(p.ci_low <= 0 for p in answer.parameters)
    assert answer.summary == "no parameter stands out"


def test_three_batches_are_not_enough_data_even_with_a_strong_effect():
    frame = _project(2, drive=0.05, batches=3, devices=20)

    answer = rank_parameters(frame, "pce_percent", "batch", PARAMETERS)

    assert answer.verdict == NOT_ENOUGH_DATA
    assert answer.parameters == []
    assert "3 batches" in answer.summary and "at least 30 devices in 4 batches" in answer.summary


def test_too_few_devices_are_not_enough_data():
    frame = _project(2, drive=0.05, batches=6, devices=4)

    answer = rank_parameters(frame, "pce_percent", "batch", PARAMETERS)

    assert answer.verdict == NOT_ENOUGH_DATA and answer.n_devices == 24


def test_constant_parameters_are_left_out_of_the_ranking():
    frame = _project(2, drive=0.05).assign(glovebox_o2_ppm=1.0)

    answer = rank_parameters(frame, "pce_percent", "batch", [*PARAMETERS, "glovebox_o2_ppm"])

    assert "glovebox_o2_ppm" not in [p.name for p in answer.parameters]
