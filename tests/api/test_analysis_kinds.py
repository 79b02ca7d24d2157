"""The pipeline's per-kind extras: dark J-V diode figures, long MPP logs as aging series."""

import numpy as np

from measurements import services


def _upload(world, text: str, name: str, callbacks):
    with callbacks(execute=True):
        m, _ = services.measurement_create(
            user=world["users"]["owner"],
            target=world["a"].devices[0],
            data=text.encode(),
            filename=name,
        )
    m.refresh_from_db()
    return m


def test_a_dark_jv_gets_ideality_and_rectification(world, api, django_capture_on_commit_callbacks):
    v = np.linspace(-0.5, 0.6, 111)
    j = 1e-6 * (np.exp(v / (1.6 * 0.025693)) - 1) * 1e3 + v / 1e4  # mA/cm2, no light
    text = "Voltage (V)\tCurrent density (mA/cm2)\n" + "".join(
        f"{a:.4f}\t{b:.6e}\n" for a, b in zip(v, j, strict=True)
    )
    m = _upload(world, text, "dark.txt", django_capture_on_commit_callbacks)
    results = api("owner").get(f"/api/v1/measurements/{m.id}/").json()["results"]
    assert "dark" in results["flags"] and results["pce_percent"] is None
    assert abs(results["dark"]["ideality_factor"] - 1.6) < 0.2
    assert results["dark"]["rectification_ratio"] > 10


def test_a_long_mpp_log_is_also_an_aging_series(world, api, django_capture_on_commit_callbacks):
    t = np.arange(0, 10 * 3600 + 1, 60.0)
    power = 10.0 * np.exp(-t / 3600 / 20)  # falls to 80 % at 4.46 h
    text = "Time (s)\tVoltage (V)\tCurrent density (mA/cm2)\tPower (mW/cm2)\n" + "".join(
        f"{a:.0f}\t0.5\t{p / 0.5:.5f}\t{p:.5f}\n" for a, p in zip(t, power, strict=True)
    )
    m = _upload(world, text, "long.mpp.txt", django_capture_on_commit_callbacks)
    results = api("owner").get(f"/api/v1/measurements/{m.id}/").json()["results"]
    assert m.kind == "mpp"
    assert abs(results["aging"]["t80_h"] - 20 * np.log(1 / 0.8)) < 0.1
