"""`/api/v1/devices/{code}/losses/`: detailed-balance limits and the device's losses."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.compute import losses
from analysis.models import EQEResult
from measurements import services
from measurements.models import Status

DATA = Path(__file__).resolve().parents[1] / "data" / "synthetic"
CONTRACT_KEYS = (
    "bandgap_ev",
    "bandgap_source",
    "sq_jsc_ma_cm2",
    "sq_voc_v",
    "sq_ff",
    "sq_pce_percent",
    "voc_deficit_v",
    "voc_rad_v",
    "delta_voc_nonrad_v",
    "urbach_mev",
    "ff_ideal",
    "jsc_loss_ma_cm2",
)


def _upload(world, device, name: str, callbacks):
    with callbacks(execute=True):
        m, _ = services.measurement_create(
            user=world["users"]["owner"],
            target=device,
            data=(DATA / name).read_bytes(),
            filename=name,
        )
    m.refresh_from_db()
    assert m.status == Status.SUCCEEDED, m.error
    return m


@pytest.fixture
def measured(world, django_capture_on_commit_callbacks):
    device = world["a"].devices[0]
    jv = _upload(world, device, "jv_example_a.txt", django_capture_on_commit_callbacks)
    eqe = _upload(world, device, "eqe_example.txt", django_capture_on_commit_callbacks)
    return device, jv, eqe


def test_a_device_with_jv_and_eqe_gets_its_limits_and_losses(api, measured):
    device, jv, eqe = measured
    body = api("colleague").get(f"/api/v1/devices/{device.code}/losses/").json()
    assert set(CONTRACT_KEYS) <= set(body)
    row = EQEResult.objects.get(measurement=eqe)
    assert body["bandgap_source"] == "eqe_inflection"
    assert body["bandgap_ev"] == pytest.approx(row.bandgap_ev)
    sq = losses.sq_limit(row.bandgap_ev)
    assert body["sq_voc_v"] == pytest.approx(sq.voc_v)
    assert body["sq_pce_percent"] == pytest.approx(sq.pce_percent)
    voc = body["measured"]["voc_v"]
    assert body["voc_deficit_v"] == pytest.approx(row.bandgap_ev - voc)
    assert voc < body["voc_rad_v"] < body["sq_voc_v"]
    assert body["delta_voc_nonrad_v"] == pytest.approx(body["voc_rad_v"] - voc)
    assert body["jsc_loss_ma_cm2"] == pytest.approx(sq.jsc_ma_cm2 - body["measured"]["jsc_ma_cm2"])
    assert body["sources"]["voc_rad_v"] == [eqe.code, jv.code]
    assert body["sources"]["voc_deficit_v"] == [eqe.code, jv.code]
    # No light-intensity series: the ideal FF says what it misses.
    assert body["ff_ideal"] is None and "ideality" in body["ff_ideal_reason"]
    assert "Shockley-Queisser" in body["method"]


def test_the_device_can_be_named_by_its_id(api, measured):
    device, _, _ = measured
    by_id = api("viewer").get(f"/api/v1/devices/{device.pk}/losses/")
    assert by_id.status_code == 200 and by_id.json()["device"] == device.code


def test_an_outsider_gets_404_for_another_projects_device(api, measured):
    device, _, _ = measured
    response = api("outsider").get(f"/api/v1/devices/{device.code}/losses/")
    assert response.status_code == 404
    assert device.code not in response.content.decode()
    assert api(None).get(f"/api/v1/devices/{device.code}/losses/").status_code in (401, 403)


def test_a_device_without_eqe_answers_nulls_with_reasons(
    world, api, django_capture_on_commit_callbacks
):
    device = world["a"].devices[1]
    _upload(world, device, "jv_example_a.txt", django_capture_on_commit_callbacks)
    body = api("owner").get(f"/api/v1/devices/{device.code}/losses/").json()
    # make_lab's synthesis has no measured 1S and no PL: no gap at all.
    assert body["bandgap_ev"] is None and "no EQE gap" in body["bandgap_ev_reason"]
    for key in ("sq_voc_v", "voc_deficit_v", "jsc_loss_ma_cm2"):
        assert body[key] is None and body[f"{key}_reason"]
    for key in ("voc_rad_v", "delta_voc_nonrad_v"):
        assert body[key] is None and "no EQE curve" in body[f"{key}_reason"]
    assert body["urbach_mev"] is None and body["urbach_mev_reason"]


def test_the_synthesis_absorbance_1s_stands_in_for_a_missing_eqe_gap(
    world, api, django_capture_on_commit_callbacks
):
    device = world["a"].devices[1]
    _upload(world, device, "jv_example_a.txt", django_capture_on_commit_callbacks)
    synthesis = world["a"].synthesis
    synthesis.measured_exciton_peak_nm = 950.0
    synthesis.save(update_fields=["measured_exciton_peak_nm"])
    body = api("owner").get(f"/api/v1/devices/{device.code}/losses/").json()
    assert body["bandgap_source"] == "absorbance_1s"
    assert body["bandgap_ev"] == pytest.approx(1239.84198 / 950.0)
    assert body["sq_voc_v"] is not None and body["voc_deficit_v"] is not None
    assert body["bandgap_sources_disagree"] is False
    assert body["sources"]["bandgap_ev"] == [world["a"].synthesis.code]
