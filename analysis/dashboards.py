"""Dashboard assembly: selectors' rows -> statistics and figure inputs. No queries here."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Any

from django.urls import reverse

from . import compute, figures
from .metrics import METRICS, DeviceRow

METRIC_LABELS = {
    "pce_percent": "PCE (%)",
    "voc_v": "Voc (V)",
    "jsc_ma_cm2": "Jsc (mA/cm²)",
    "ff": "FF",
}


def _values(rows: list[DeviceRow], metric: str) -> list[float]:
    return [r.values[metric] for r in rows if r.values.get(metric) is not None]


def _device_url_template() -> str:
    # reverse() once, not once per device per figure: it dominated large comparisons.
    return reverse("device", args=[987654321]).replace("987654321", "{}")


def figure_groups(
    groups: dict[str, list[DeviceRow]], metric: str, links: bool = True
) -> list[dict]:
    """Builder input per group; ``links=False`` leaves out codes, urls and reasons."""
    url = _device_url_template()
    out = []
    for name, rows in groups.items():
        measured = [r for r in rows if r.measured]
        group = {
            "name": name,
            "values": [r.values.get(metric) for r in measured],
            "excluded": [r.excluded for r in measured],
        }
        if links:
            group["codes"] = [r.code for r in measured]
            group["urls"] = [url.format(r.device_id) for r in measured]
            group["reasons"] = [r.reason for r in measured]
        out.append(group)
    return out


def group_stats(groups: dict[str, list[DeviceRow]]) -> list[dict[str, Any]]:
    """Per group: N, mean ± std, median, champion, yield; excluded devices counted apart."""
    table = []
    for name, rows in groups.items():
        kept = [r for r in rows if r.measured and not r.excluded]
        entry: dict[str, Any] = {
            "name": name,
            "n_devices": len(rows),
            "n_measured": sum(r.measured for r in rows),
            "n_excluded": sum(r.measured and r.excluded for r in rows),
            "yield_percent": 100.0 * len(kept) / len(rows) if rows else None,
        }
        for metric in METRICS:
            entry[metric] = compute.stats.summarise(_values(kept, metric))
        champion = max(kept, key=lambda r: r.values.get("pce_percent") or -1, default=None)
        entry["champion"] = champion.code if champion else None
        entry["champion_id"] = champion.device_id if champion else None
        entry["champion_pce"] = champion.values.get("pce_percent") if champion else None
        table.append(entry)
    return table


def _substrate_means(rows: list[DeviceRow], metric: str) -> list[float]:
    by_substrate: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        if r.values.get(metric) is not None:
            by_substrate[r.info["substrate_code"]].append(r.values[metric])
    return [sum(v) / len(v) for v in by_substrate.values()]


MAX_PAIRWISE_GROUPS = 8


def significance(
    groups: dict[str, list[DeviceRow]], metric: str = "pce_percent", per: str = "device"
) -> list[dict[str, Any]]:
    """Welch and Mann-Whitney between every pair of groups, on devices or substrate means.

    Past MAX_PAIRWISE_GROUPS groups every group is tested against the first one only: 190
    pairs for 20 groups is slow to compute and unreadable.
    """
    tests = []
    items = list(groups.items())
    if len(items) > MAX_PAIRWISE_GROUPS:
        pairs = [(items[0], other) for other in items[1:]]
    else:
        pairs = list(combinations(items, 2))
    for (name_a, rows_a), (name_b, rows_b) in pairs:
        kept_a = [r for r in rows_a if r.measured and not r.excluded]
        kept_b = [r for r in rows_b if r.measured and not r.excluded]
        if per == "substrate":
            a, b = _substrate_means(kept_a, metric), _substrate_means(kept_b, metric)
        else:
            a, b = _values(kept_a, metric), _values(kept_b, metric)
        result = compute.stats.compare_groups(a, b)
        tests.append({"a": name_a, "b": name_b, "per": per, **result})
    return tests


# Past this many devices only the PCE figure carries device codes and links (hover, click):
# four copies of them made a 10,000-device comparison weigh over 2 MB.
LINKED_FIGURES_MAX_DEVICES = 2000


def distribution_figures(groups: dict[str, list[DeviceRow]]) -> dict[str, dict]:
    n = sum(len(rows) for rows in groups.values())
    return {
        m: figures.metric_distribution(
            figure_groups(groups, m, links=m == "pce_percent" or n <= LINKED_FIGURES_MAX_DEVICES),
            m,
        )
        for m in METRICS
    }


DEVICE_COLUMNS = [
    "device",
    "group",
    "substrate",
    "status",
    "excluded",
    "reason",
    "pce_percent",
    "voc_v",
    "jsc_ma_cm2",
    "ff",
    "flags",
]


def device_table(groups: dict[str, list[DeviceRow]]) -> list[list[Any]]:
    return [
        [
            r.code,
            name,
            r.info["substrate_code"],
            r.status,
            r.excluded,
            r.reason,
            *(r.values.get(m) for m in METRICS),
            " ".join(r.flags),
        ]
        for name, rows in groups.items()
        for r in rows
    ]


STATS_COLUMNS = [
    "group",
    "n_devices",
    "n_measured",
    "n_excluded",
    "yield_percent",
    "pce_mean",
    "pce_std",
    "pce_median",
    "voc_mean",
    "jsc_mean",
    "ff_mean",
    "champion",
    "champion_pce",
]


def stats_table(stats: list[dict]) -> list[list[Any]]:
    return [
        [
            s["name"],
            s["n_devices"],
            s["n_measured"],
            s["n_excluded"],
            s["yield_percent"],
            s["pce_percent"].get("mean"),
            s["pce_percent"].get("std"),
            s["pce_percent"].get("median"),
            s["voc_v"].get("mean"),
            s["jsc_ma_cm2"].get("mean"),
            s["ff"].get("mean"),
            s["champion"],
            s["champion_pce"],
        ]
        for s in stats
    ]


# Device traces drawn per panel (shared among its variants, at least 5 each); the mean, the
# band, T80 and the table use every device.
AGING_TRACES_PER_PANEL = 200


def _sample(items: list, limit: int) -> list:
    """At most ``limit`` items, evenly spaced, so a 1000-device study stays light to draw."""
    if len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def aging_panel(study, rows: list[dict], metric: str = "pce_percent") -> tuple[dict, list[dict]]:
    """One storage condition: per-device normalised curves, per-variant mean ± std, T80s."""
    by_device: dict[int, list[dict]] = defaultdict(list)
    for r in rows:
        if r.get(metric) is not None:
            by_device[r["device_id"]].append(r)
    variants: dict[str, dict] = {}
    table = []
    for points in by_device.values():
        hours = [p["hours"] for p in points]
        result = compute.aging.analyse_aging(hours, [p[metric] for p in points]).to_dict()
        variant = variants.setdefault(points[0]["variant"], {"devices": [], "series": []})
        variant["devices"].append(
            {
                "code": points[0]["code"],
                "url": reverse("device", args=[points[0]["device_id"]]),
                "hours": hours,
                "values": [100.0 * v if v is not None else None for v in result["normalised"]],
            }
        )
        variant["series"].append((hours, result["normalised"]))
        table.append(
            {
                "study": study.code,
                "device": points[0]["code"],
                "variant": points[0]["variant"],
                **_aging_figures(result),
            }
        )
    panel_variants = []
    per_variant = max(5, AGING_TRACES_PER_PANEL // max(1, len(variants)))
    for name, v in sorted(variants.items()):
        agg = compute.aging.aggregate_series(v["series"])
        mean_result = compute.aging.analyse_aging(agg["hours"], agg["mean"]).to_dict()
        panel_variants.append(
            {
                "name": name,
                "hours": agg["hours"],
                "mean": [100.0 * x if x is not None else None for x in agg["mean"]],
                "std": [100.0 * x if x is not None else None for x in agg["std"]],
                "devices": _sample(v["devices"], per_variant),
                "t80_h": mean_result.get("t80_h"),
            }
        )
        table.append(
            {
                "study": study.code,
                "device": "(variant mean)",
                "variant": name,
                **_aging_figures(mean_result),
            }
        )
    title = f"{study.name}"
    if study.isos_protocol:
        title += f" ({study.isos_protocol})"
    return {"title": title, "variants": panel_variants}, table


def _aging_figures(result: dict) -> dict:
    return {
        k: result.get(k)
        for k in ("t80_h", "ts80_h", "t95_h", "peak_ratio", "final_ratio", "t80_extrapolated_h")
    }


AGING_COLUMNS = [
    "study",
    "device",
    "variant",
    "t80_h",
    "ts80_h",
    "t95_h",
    "peak_ratio",
    "final_ratio",
    "t80_extrapolated_h",
]
