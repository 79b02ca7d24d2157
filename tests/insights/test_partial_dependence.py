"""Partial dependence on synthetic projects whose truth is known (no database)."""

from __future__ import annotations

import numpy as np

from insights.compute.partial_dependence import effect_size, partial_dependence_curves

from .test_importance import PARAMETERS, _project


def test_the_planted_parameter_curve_rises_with_it_and_a_noise_parameter_stays_flat():
    frame = _project(2, drive=0.05)

    answer = partial_dependence_curves(
        frame,
        "pce_percent",
        "batch",
        PARAMETERS,
        ["absorber_anneal_temperature_c", "glovebox_h2o_ppm", "recipe_solvent"],
    )

    assert answer.enough_data and answer.n_devices == 128
    anneal, water, solvent = answer.curves
    assert anneal.parameter == "absorber_anneal_temperature_c" and not anneal.categorical
    assert anneal.x == sorted(anneal.x) and len(anneal.x) <= 20
    # Truth: PCE rises 0.05 %/°C; across the grid (at least 30 °C wide) the model follows it.
    slope = np.polyfit(anneal.x, anneal.mean, 1)[0]
    assert 0.02 < slope < 0.08
    assert effect_size(anneal) > 3 * effect_size(water)
    assert solvent.categorical and sorted(solvent.x) == ["hexane", "octane"]
    bands = zip(anneal.low, anneal.mean, anneal.high, strict=True)
    assert all(low <= mean <= high for low, mean, high in bands)


def test_three_batches_draw_no_curve_and_say_why():
    answer = partial_dependence_curves(
        _project(2, drive=0.05, batches=3, devices=20),
        "pce_percent",
        "batch",
        PARAMETERS,
        PARAMETERS[:2],
    )

    assert not answer.enough_data and answer.curves == []
    assert "not enough data" in answer.summary and "3 batches" in answer.summary
