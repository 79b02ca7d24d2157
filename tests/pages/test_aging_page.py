"""The aging page: dead pixels stay in, survival of T80 per variant, the rules in words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from analysis.models import StabilityStudy
from tests.factories import stored_jv

HOURS = (0, 100, 200, 300, 400)


def _scan(device, at, pce, k, flags=()) -> None:
    stored_jv(device, at, k, pce_percent=pce, flags=list(flags))


@pytest.fixture
def study(world):
    """Target pixels hold 97 %, one dies at 200 h (no PCE, then a shorted curve); control
    pixels lose 10 % per 100 h, one is no longer measured after 100 h."""
    lab = world["a"]
    start = timezone.now().replace(microsecond=0) - timedelta(days=30)
    study = StabilityStudy.objects.create(
        project=lab.batch.project, code="ST-D", name="dark, air", atmosphere="air",
        started_at=start, isos_protocol="ISOS-D-1",
    )  # fmt: skip
    study.devices.add(*lab.devices)
    target, control = lab.devices[:4], lab.devices[4:]
    for i, device in enumerate(target):
        for k, h in enumerate(HOURS):
            at = start + timedelta(hours=h, minutes=i)
            if i == 0 and h >= 200:
                dead = h < 400
                # No PCE, then an ohmic line: 0.05 % PCE (of 10 at first), flagged shorted.
                _scan(device, at, None if dead else 0.05, k, () if dead else ("shorted",))
            else:
                _scan(device, at, 10.0 * (1 - 0.03 * k / 4), k)
    for i, device in enumerate(control):
        for k, h in enumerate(HOURS):
            if i == 0 and h > 100:
                break
            _scan(device, start + timedelta(hours=h, minutes=i), 10.0 * (1 - 0.1 * k), k)
    return lab


def _row(table, code):
    (row,) = [r for r in table if r["device"] == code]
    return row


def test_a_dead_pixel_stays_in_the_study_as_a_failure_at_the_time_it_died(client, world, study):
    client.force_login(world["users"]["owner"])
    response = client.get("/aging/")
    table = response.context["table"]
    target, control = study.devices[:4], study.devices[4:]
    dead = _row(table, target[0].code)
    assert dead["state"] == "dead at 200 h" and dead["died_h"] == pytest.approx(200.0)
    assert 100 < dead["t80_h"] < 200  # interpolated from 99 % at 100 h to 0 at 200 h
    assert _row(table, target[1].code)["state"] == "on test"
    assert _row(table, control[1].code)["state"] == "T80 reached"
    assert _row(table, control[0].code)["state"] == "no longer measured after 100 h"
    means = {r["variant"]: r for r in table if r["device"] == "(variant mean)"}
    target_mean = means[f"{study.batch.code}: target"]
    assert target_mean["state"] == "3 of 4 alive"
    # The dead pixel counts 0 to the end: the mean falls to 3/4 of 97 %, below 80 %.
    assert target_mean["final_ratio"] == pytest.approx(0.75 * 0.97, abs=0.01)
    assert target_mean["t80_h"] is not None
    (panel,) = [p for p in response.context["survival"] if p["variant"].endswith("target")]
    assert (panel["n"], panel["events"], panel["censored"], panel["dead"]) == (4, 1, 3, 1)


def test_survival_of_t80_is_drawn_per_variant_with_its_log_rank_test(client, world, study):
    client.force_login(world["users"]["owner"])
    response = client.get("/aging/")
    rows = {r["variant"].split(": ")[1]: r for r in response.context["survival"]}
    # Control: three reach T80 at 200 h, one is censored at 100 h (no longer measured).
    assert (rows["control"]["events"], rows["control"]["censored"]) == (3, 1)
    assert rows["control"]["median_h"] == pytest.approx(200.0, abs=1)
    assert rows["target"]["median_h"] is None  # most target pixels never reach T80
    first = response.context["survival"][0]
    # Four pixels a variant tell little apart: the test says so (p about 0.2).
    assert first["first"] and 0.1 < first["logrank_p"] < 0.3
    body = response.content.decode()
    assert 'id="fig-survival"' in body and "Log-rank p" in body
    fig = response.context["survival_fig"]
    curves = [t for t in fig["data"] if t.get("line", {}).get("shape") == "hv"]
    assert sorted(t["name"] for t in curves) == [
        f"{study.batch.code}: control",
        f"{study.batch.code}: target",
    ]
    title = fig["layout"]["annotations"][0]["text"]
    assert "dark, air (ISOS-D-1)" in title and "log-rank p = 0.20" in title
    ticks = [t for t in fig["data"] if t["name"].endswith(": censored")]
    assert sum(len(t["x"]) for t in ticks) == 4
    assert "a failed scan followed by working ones is a measurement glitch" in body


def test_the_aging_download_carries_state_death_and_burn_in_columns(client, world, study):
    client.force_login(world["users"]["owner"])
    body = client.get("/aging/", {"export": "json"}).json()
    for column in ("state", "died_h", "last_h", "e_s", "ts80_es_h"):
        assert column in body["columns"]
    states = [row[body["columns"].index("state")] for row in body["rows"]]
    assert "dead at 200 h" in states and "3 of 4 alive" in states
