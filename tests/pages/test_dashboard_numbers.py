"""The dashboards' numbers are exactly those of compute.stats and compute.aging on every device.

The pages compute them from columns (numpy arrays) and, for aging, all devices at once; these
tests hold them to the per-device definitions, float for float.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.utils.html import json_script

from analysis import compute, dashboards
from analysis.metrics import METRICS, AgingSeries, Groups

from .columns import device_columns

EXCLUDING = ("shorted", "no_voc_crossing")


def _random_devices(rng: np.random.Generator, n: int) -> list[dict]:
    devices = []
    for i in range(n):
        d: dict = {"substrate": int(rng.integers(0, max(1, n // 5)))}
        for m, (mean, sd) in zip(
            METRICS, ((11, 2), (0.6, 0.05), (26, 1), (0.65, 0.05)), strict=True
        ):
            d[m] = None if rng.random() < 0.05 else float(rng.normal(mean, sd))
        roll = rng.random()
        if roll < 0.05:
            d["measured"] = False
            d.update(dict.fromkeys(METRICS))
        elif roll < 0.10:
            d["status"], d["reason"] = "excluded", "scratched" if i % 2 else ""
        elif roll < 0.15:
            d["flags"] = [EXCLUDING[i % 2], "other"]
        elif roll < 0.18:
            d["pce_percent"] = 0.0
        devices.append(d)
    return devices


def _kept(devices: list[dict]) -> list[dict]:
    return [
        d
        for d in devices
        if d.get("measured", True)
        and d.get("status", "ok") == "ok"
        and not any(f in EXCLUDING for f in d.get("flags", []))
    ]


def _groups(devices: list[dict], sizes: list[int]) -> tuple[Groups, dict[str, list[dict]]]:
    bounds = np.cumsum([0, *sizes])
    names = [f"g{k}" for k in range(len(sizes))]
    members = {
        name: np.arange(bounds[k], bounds[k + 1], dtype=np.intp) for k, name in enumerate(names)
    }
    plain = {name: devices[bounds[k] : bounds[k + 1]] for k, name in enumerate(names)}
    return Groups(device_columns(devices), members), plain


@pytest.mark.parametrize("seed", range(5))
def test_group_statistics_and_champions_are_those_of_every_kept_device(seed):
    rng = np.random.default_rng(seed)
    sizes = [int(s) for s in rng.integers(1, 60, 4)]
    devices = _random_devices(rng, sum(sizes))
    groups, plain = _groups(devices, sizes)
    stats = {s["name"]: s for s in dashboards.group_stats(groups)}
    offset = 0
    for name, members in plain.items():
        kept = _kept(members)
        s = stats[name]
        assert s["n_devices"] == len(members)
        assert s["n_measured"] == sum(d.get("measured", True) for d in members)
        assert s["n_excluded"] == s["n_measured"] - len(kept)
        assert s["yield_percent"] == 100.0 * len(kept) / len(members)
        for m in METRICS:
            assert s[m] == compute.stats.summarise([d[m] for d in kept if d[m] is not None])
        # max() keeps the first of equal keys; no PCE (or 0) ranks as -1.
        champion = max(kept, key=lambda d: d["pce_percent"] or -1, default=None)
        if champion is None:
            assert s["champion"] is None and s["champion_pce"] is None
        else:
            assert s["champion"] == f"D{offset + members.index(champion) + 1}"
            assert s["champion_pce"] == champion["pce_percent"]
        offset += len(members)


@pytest.mark.parametrize("per", ["device", "substrate"])
def test_significance_tests_the_same_samples_as_the_devices_say(per):
    rng = np.random.default_rng(7)
    devices = _random_devices(rng, 120)
    groups, plain = _groups(devices, [40, 50, 30])

    def sample(members):
        kept = [d for d in _kept(members) if d["pce_percent"] is not None]
        if per == "device":
            return [d["pce_percent"] for d in kept]
        by_substrate: dict[int, list[float]] = {}
        for d in kept:
            by_substrate.setdefault(d["substrate"], []).append(d["pce_percent"])
        return [sum(v) / len(v) for v in by_substrate.values()]

    tests = dashboards.significance(groups, "pce_percent", per)
    assert [(t["a"], t["b"]) for t in tests] == [("g0", "g1"), ("g0", "g2"), ("g1", "g2")]
    for t in tests:
        expected = compute.stats.compare_groups(sample(plain[t["a"]]), sample(plain[t["b"]]))
        assert {k: t[k] for k in expected} == expected


def test_the_device_table_and_the_excluded_list_say_why():
    devices = [
        {"pce_percent": 10.0},
        {"pce_percent": 2.0, "flags": ["shorted"]},
        {"pce_percent": 9.0, "status": "excluded", "reason": ""},
        {"measured": False},
    ]
    groups = Groups(device_columns(devices), {"g": np.arange(4)})
    table = dashboards.device_table(groups)
    assert [row[4:6] for row in table] == [
        [False, ""],
        [True, "auto: shorted (analysis flag)"],
        [True, "excluded: no reason given"],
        [False, ""],
    ]
    assert table[1][-1] == "shorted" and table[3][6] is None
    excluded = dashboards.excluded_devices(groups)
    assert [(e["code"], e["pce_percent"], e["url"]) for e in excluded] == [
        ("D2", 2.0, "/devices/2/"),
        ("D3", 9.0, "/devices/3/"),
    ]
    assert dashboards.unmeasured_count(groups) == 1


def _aging_cases(rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """Decays, burn-in gains, single dips, series ending on one low point, repeated times."""
    cases = []
    for k in range(300):
        n = int(rng.integers(1, 30))
        hours = np.sort(np.round(rng.uniform(0, 1000, n), int(rng.integers(0, 3))))
        hours[0] = 0.0
        decay = rng.uniform(0, 0.6)
        values = 12 * (1 + rng.uniform(0, 0.1) * (hours < 50)) * (1 - decay * hours / 1000)
        values = values + rng.normal(0, rng.choice([0.01, 0.3, 1.5]), n)
        if k % 7 == 0 and n > 3:
            values[n // 2] *= 0.5  # one dip, not a crossing
        if k % 11 == 0:
            values[-1] *= 0.5  # below on the last point only: unconfirmed
        if k % 13 == 0:
            values[0] = 0.0  # cannot be normalised
        cases.append((hours, values))
    return cases


def test_aging_figures_match_analyse_aging_device_by_device():
    cases = _aging_cases(np.random.default_rng(11))
    series = AgingSeries(
        device_ids=np.repeat(np.arange(len(cases)), [h.size for h, _ in cases]),
        hours=np.concatenate([h for h, _ in cases]),
        values=np.concatenate([v for _, v in cases]),
        devices={},
    )
    got = dashboards.aging_figures(series)
    checked = 0
    for i, (hours, values) in enumerate(cases):
        if hours.size < 2 or values[0] == 0:
            assert not got["valid"][i]
            continue
        expected = compute.aging.analyse_aging(hours, values).to_dict()
        assert got["valid"][i]
        for key in dashboards.AGING_FIGURES:
            value = float(got[key][i])
            want = expected.get(key)
            assert (math.isnan(value) and want is None) or value == want, (i, key)
        n = got["lengths"][i]
        assert got["normalised"][i, :n].tolist() == expected["normalised"]
        checked += 1
    assert checked > 200


@pytest.mark.parametrize("places", [0, 1, 2, 3])
def test_fixed_writes_what_floatformat_writes(places):
    from analysis.templatetags.dashboard_tags import fixed

    rng = np.random.default_rng(places)
    values = [
        None, 0.0, -0.0, 0.5, 1.5, 2.5, 2.675, 0.125, 1.005, 1523.5, 1e-7, 1e16, 1.5e16,
        -0.4, -2.5, -1523.46, float("nan"), float("inf"), 7, "12.5", "text",
    ]  # fmt: skip
    values += rng.uniform(0, 2, 300).tolist() + rng.uniform(0, 5000, 300).tolist()
    values += np.round(rng.uniform(0, 100, 300), places + 1).tolist()  # many exact ties
    for value in values:
        assert fixed(value, places) == floatformat(value, places), value


def test_fixed_follows_the_locale_when_it_writes_a_decimal_comma(settings):
    from django.utils import translation

    settings.USE_THOUSAND_SEPARATOR = True
    template = Template("{% load dashboard_tags %}{{ x|fixed:2 }} {{ x|floatformat:2 }}")
    with translation.override("de"):
        fast, django = template.render(Context({"x": 12345.678})).split()
    assert fast == django


def test_figures_are_embedded_as_json_script_would_but_compact():
    from analysis.templatetags.dashboard_tags import plot_json

    fig = {"data": [{"text": ["</script><script>alert(1)</script>", "a & b"], "y": [1.5, None]}]}
    html = str(plot_json(fig, "fig-x"))
    reference = str(json_script(fig, "fig-x"))
    assert html.startswith('<script id="fig-x" type="application/json">')
    assert "</script><script>" not in html and "<" not in html[45:-9]
    body = html[len('<script id="fig-x" type="application/json">') : -len("</script>")]
    ref_body = reference[len('<script id="fig-x" type="application/json">') : -len("</script>")]
    assert json.loads(body) == json.loads(ref_body) == fig
    assert len(body) < len(ref_body)


def test_aging_hours_count_from_each_devices_first_scan_in_each_study(world):
    from datetime import timedelta

    from django.utils import timezone

    from analysis.metrics import aging_rows
    from analysis.models import JVResult, StabilityStudy
    from measurements.models import Measurement, RawFile

    lab = world["a"]
    project = lab.batch.project
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    early = StabilityStudy.objects.create(
        project=project, code="ST-1", name="argon", atmosphere="argon", started_at=start
    )
    late = StabilityStudy.objects.create(
        project=project,
        code="ST-2",
        name="air",
        atmosphere="air",
        started_at=start + timedelta(hours=5),
    )
    device = lab.devices[0]
    early.devices.add(device)
    late.devices.add(device)
    # Before the study (ignored), a first scan without PCE (t = 0 all the same), then odd times.
    offsets_s = [-3600.0, 0.000001, 1800.25, 3 * 3600 + 0.5, 7 * 3600 + 1.000003, 50 * 3600.0]
    pces = [12.0, None, 11.9, 11.2, 10.1, 8.0]
    for k, (offset, pce) in enumerate(zip(offsets_s, pces, strict=True)):
        raw = RawFile.objects.create(sha256=f"{k + 1:064x}", size_bytes=1, file=f"raw/{k}")
        at = start + timedelta(seconds=offset)
        m = Measurement.objects.create(
            project=project,
            code=f"M-{k}",
            kind="jv",
            device=device,
            raw_file=raw,
            original_filename="x.txt",
            status="succeeded",
            measured_at=at,
        )
        JVResult.objects.create(
            measurement=m,
            device=device,
            measured_at=at,
            analysis_version="t",
            scan_direction="reverse",
            pce_percent=pce,
        )
    series = aging_rows(StabilityStudy.objects.all(), "reverse", "pce_percent")
    for study, first in ((early, 1), (late, 4)):
        times = [start + timedelta(seconds=s) for s in offsets_s]
        t0 = times[first]
        expected = [
            (t - t0).total_seconds() / 3600.0
            for t, p in zip(times[first:], pces[first:], strict=True)
            if p is not None
        ]
        assert series[study.id].hours.tolist() == expected
        assert series[study.id].values.tolist() == [p for p in pces[first:] if p is not None]
        assert series[study.id].devices == {
            device.id: {"code": device.code, "variant": f"{lab.batch.code}: target"}
        }


def test_a_formatted_column_is_what_floatformat_writes_cell_by_cell():
    from analysis.templatetags.dashboard_tags import fixed_column

    values = [None, 12.5, 13.5, 0.125, 1523.4567, float("nan"), -1.0]
    for places in (0, 2):
        assert fixed_column(values, places) == [floatformat(v, places) for v in values]
