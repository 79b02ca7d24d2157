"""`/api/v1/variants/{code}/losses/`: each loss figure of a variant as median, quartiles and N."""

from __future__ import annotations

import numpy as np
import pytest

from tests.pages.test_losses_pages import GAP, lab  # noqa: F401  (the fixture)


def test_a_variant_answers_medians_with_quartiles_and_n_per_figure(api, lab):  # noqa: F811
    variant = lab.variants[1]  # control: Voc 0.50-0.56 V, gap from the synthesis's 1S
    body = api("viewer").get(f"/api/v1/variants/{variant.code}/losses/").json()
    assert body["variant"] == variant.code and body["n_devices"] == 4
    deficit = body["figures"]["voc_deficit_v"]
    expected = GAP - np.array([0.50, 0.52, 0.54, 0.56])
    assert deficit["median"] == pytest.approx(np.median(expected))
    assert deficit["q1"] == pytest.approx(np.percentile(expected, 25))
    assert deficit["q3"] == pytest.approx(np.percentile(expected, 75))
    assert deficit["n"] == 4
    # No EQE in the control: the radiative Voc has no device to take a median of.
    assert body["figures"]["voc_rad_v"] == {"median": None, "q1": None, "q3": None, "n": 0}
    assert body["bandgap_sources"] == ["absorbance_1s"]
    assert [d["device"] for d in body["devices"]] == sorted(d.code for d in lab.devices[4:])


def test_a_variant_is_named_by_id_too_and_hidden_from_outsiders(api, lab):  # noqa: F811
    variant = lab.variants[0]
    assert api("owner").get(f"/api/v1/variants/{variant.pk}/losses/").status_code == 200
    response = api("outsider").get(f"/api/v1/variants/{variant.code}/losses/")
    assert response.status_code == 404 and variant.code not in response.content.decode()
