"""The dashboards' numbers are exactly those of compute.stats on every device.

The pages compute them from columns (numpy arrays); these tests hold them to the per-device
definitions, float for float. (Aging figures of all devices at once are held to analyse_aging
in tests/compute/test_compute_aging.py.)
"""

from __future__ import annotations

import json
import statistics

import numpy as np
import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.utils.html import json_script

from analysis import compute, dashboards
from analysis.selectors.devices import METRICS, Groups

from .columns import device_columns


def _random_devices(rng: np.random.Generator, n: int) -> list[dict]:
    devices = []
    for i in range(n):
        d: dict = {"substrate": int(rng.integers(0, max(1, n // 5))), "batch": i % 2}
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
            d["flags"] = [("shorted", "no_voc_crossing")[i % 2], "other"]
        elif roll < 0.18:
            d["pce_percent"] = 0.0
        elif roll < 0.20 and d["voc_v"] is not None:
            d["voc_v"] *= 0.3  # far below the batch's median: shorted
        elif roll < 0.22 and d["jsc_ma_cm2"] is not None:
            d["jsc_ma_cm2"] *= 0.1  # no photocurrent to speak of: open
        elif roll < 0.24:
            d["ff"] = 0.25
        devices.append(d)
    _classify(devices)
    return devices


def _classify(devices: list[dict]) -> None:
    """compute.stats.classify_device of each device, against the medians of its batch."""
    medians = {}
    for batch in {d["batch"] for d in devices}:
        members = [d for d in devices if d["batch"] == batch]
        medians[batch] = [
            statistics.median(v) if (v := [d[m] for d in members if d[m] is not None]) else None
            for m in ("voc_v", "jsc_ma_cm2")
        ]
    for d in devices:
        d["auto"] = compute.stats.classify_device(d, *medians[d["batch"]])


def _kept(devices: list[dict]) -> list[dict]:
    return [
        d
        for d in devices
        if d.get("measured", True) and d.get("status", "ok") == "ok" and d["auto"][0] == "ok"
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

    def sample(members, kept=True):
        chosen = _kept(members) if kept else [d for d in members if d.get("measured", True)]
        chosen = [d for d in chosen if d["pce_percent"] is not None]
        if per == "device":
            return [d["pce_percent"] for d in chosen]
        pce, substrates = [d["pce_percent"] for d in chosen], [d["substrate"] for d in chosen]
        return compute.stats.substrate_means(pce, substrates)["mean"]

    tests = dashboards.significance(groups, "pce_percent", per)
    assert [(t["a"], t["b"]) for t in tests] == [("g0", "g1"), ("g0", "g2"), ("g1", "g2")]
    for t in tests:
        a, b = plain[t["a"]], plain[t["b"]]
        expected = compute.stats.compare_groups(sample(a), sample(b))
        assert {k: t[k] for k in expected} == expected
        # Beside it, the same test before exclusion, over every measured device.
        before = compute.stats.compare_groups(sample(a, kept=False), sample(b, kept=False))
        assert {k: t["all"][k] for k in before} == before
    for key in ("welch_p", "mannwhitney_p"):
        assert [t[f"{key}_holm"] for t in tests] == compute.stats.holm([t[key] for t in tests])
        assert all(t[f"{key}_holm"] >= t[key] for t in tests)


def test_significance_is_on_substrate_means_unless_asked_otherwise():
    devices = _random_devices(np.random.default_rng(3), 60)
    groups, _ = _groups(devices, [30, 30])
    (default,) = dashboards.significance(groups)
    assert default["per"] == "substrate"
    assert default["n_a"] == default["n_substrates_a"] < default["n_devices_a"]
    context = dashboards.statistics_context(groups, "no such unit")
    assert context["per"] == "substrate" and context["tests"][0] == default
    assert context["exclusion_rules"] == groups.devices.thresholds.rules()


def test_group_statistics_are_shown_for_every_measured_device_and_after_exclusion():
    good = {"voc_v": 0.6, "jsc_ma_cm2": 25.0, "ff": 0.65}
    devices = [
        {"pce_percent": 10.0, **good, "substrate": 1},
        {"pce_percent": 12.0, **good, "substrate": 1},
        {"pce_percent": 2.0, **good, "flags": ["shorted"], "substrate": 2},
        {"measured": False, "substrate": 3},
    ]
    groups = Groups(device_columns(devices), {"g": np.arange(4)})
    (s,) = dashboards.group_stats(groups)
    assert s["all"]["pce_percent"]["mean"] == 8.0 and s["pce_percent"]["mean"] == 11.0
    assert (s["n_kept"], s["n_substrates"], s["n_substrates_measured"]) == (2, 1, 2)
    row = dict(zip(dashboards.STATS_COLUMNS, dashboards.stats_table([s])[0], strict=True))
    assert row["pce_mean_all_measured"] == 8.0 and row["pce_mean"] == 11.0


def test_the_device_table_and_the_excluded_list_say_why():
    good = {"voc_v": 0.6, "jsc_ma_cm2": 25.0, "ff": 0.65}
    devices = [
        {"pce_percent": 10.0, **good},
        {"pce_percent": 2.0, **good, "flags": ["shorted"]},
        {"pce_percent": 9.0, **good, "status": "excluded", "reason": ""},
        {"measured": False},
        {"pce_percent": 0.0, "jsc_ma_cm2": 25.0, "flags": ["no_voc_crossing"]},
        {"pce_percent": 3.0, **good, "voc_v": 0.2},
        {"pce_percent": 1.0, **good, "jsc_ma_cm2": 2.0},
        {"pce_percent": 5.0, **good, "ff": 0.3},
    ]
    groups = Groups(device_columns(devices), {"g": np.arange(len(devices))})
    table = dashboards.device_table(groups)
    assert [row[4:6] for row in table] == [
        [False, ""],
        [True, "auto: shorted (analysis flag)"],
        [True, "excluded: no reason given"],
        [False, ""],
        [True, "auto: no voc crossing (analysis flag)"],
        [True, "auto: shorted (voc below 50% of median)"],
        [True, "auto: open (jsc below 20% of median)"],
        [True, "auto: shorted (ff at or below 0.3)"],
    ]
    assert table[1][-1] == "shorted" and table[3][6] is None
    excluded = dashboards.excluded_devices(groups)
    assert [(e["code"], e["pce_percent"], e["url"]) for e in excluded][:2] == [
        ("D2", 2.0, "/devices/2/"),
        ("D3", 9.0, "/devices/3/"),
    ]
    assert len(excluded) == 6
    assert dashboards.unmeasured_count(groups) == 1


def test_the_exclusion_rule_takes_its_thresholds_from_the_settings(world, settings):
    from django.utils import timezone

    from analysis.models import JVResult
    from analysis.selectors.devices import batch_device_rows
    from measurements.models import Measurement, RawFile

    lab = world["a"]
    raw = RawFile.objects.create(sha256="0" * 64, size_bytes=1, file="raw/x")
    for device, voc in zip(lab.devices, (0.60, 0.61, 0.62, 0.40), strict=False):
        m = Measurement.objects.create(
            project=lab.batch.project,
            code=f"M-{device.id}",
            kind="jv",
            device=device,
            raw_file=raw,
            original_filename="x.txt",
            status="succeeded",
            measured_at=timezone.now(),
        )
        JVResult.objects.create(
            measurement=m,
            device=device,
            measured_at=m.measured_at,
            analysis_version="t",
            scan_direction="reverse",
            pce_percent=10.0,
            voc_v=voc,
            jsc_ma_cm2=25.0,
            ff=0.6,
        )
    # 0.40 V is two thirds of the batch's median Voc: kept at the default half, not at 0.8.
    assert not batch_device_rows(lab.batch).excluded.any()
    settings.DEVICE_SHORTED_VOC_FRACTION = 0.8
    rows = batch_device_rows(lab.batch)
    # Ordered by code: the control variant's four devices (no scan yet), then the target's.
    assert rows.excluded.tolist() == [False] * 4 + [False, False, False, True]
    assert rows.reason(7) == "auto: shorted (voc below 80% of median)"


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

    from analysis.models import StabilityStudy
    from analysis.selectors.aging import aging_rows
    from tests.factories import stored_jv

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
        stored_jv(device, start + timedelta(seconds=offset), k, pce_percent=pce)
    series = aging_rows(StabilityStudy.objects.all(), "reverse", "pce_percent")
    for study, first in ((early, 1), (late, 4)):
        times = [start + timedelta(seconds=s) for s in offsets_s]
        t0 = times[first]
        expected = [(t - t0).total_seconds() / 3600.0 for t in times[first:]]
        got = series[study.id]
        assert got.hours.tolist() == expected
        # A scan without PCE stays in, marked failed (a dead pixel's scans look like that;
        # compute.aging decides whether it died or the scan was a glitch).
        assert got.failed.tolist() == [p is None for p in pces[first:]]
        assert np.nan_to_num(got.values, nan=-1).tolist() == [
            -1 if p is None else p for p in pces[first:]
        ]
        assert got.study_hours.tolist() == pytest.approx(expected)  # one device: same t = 0
        assert got.devices == {
            device.id: {
                "code": device.code,
                "variant": f"{lab.batch.code}: target",
                "color_key": "target",
            }
        }


def test_a_formatted_column_is_what_floatformat_writes_cell_by_cell():
    from analysis.templatetags.dashboard_tags import fixed_column

    values = [None, 12.5, 13.5, 0.125, 1523.4567, float("nan"), -1.0]
    for places in (0, 2):
        assert fixed_column(values, places) == [floatformat(v, places) for v in values]
