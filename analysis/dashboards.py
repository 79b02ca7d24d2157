"""Dashboard assembly: selectors' columns -> statistics and figure inputs. No queries here.

Statistics are computed with numpy on every device's value, exactly as before the columns
(compute.stats on the same values in the same order); only the drawing is ever sampled.
"""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np
from django.urls import reverse

from . import compute, figures
from .compute.downsample import evenly_spaced
from .selectors.aging import AgingSeries
from .selectors.devices import METRICS, Groups

if TYPE_CHECKING:
    from .models import StabilityStudy

METRIC_LABELS = {
    "pce_percent": "PCE (%)",
    "voc_v": "Voc (V)",
    "jsc_ma_cm2": "Jsc (mA/cm²)",
    "ff": "FF",
}


def device_url_template() -> str:
    """``/devices/{}/``: reverse() once, not once per device per figure (it dominated large
    comparisons)."""
    return reverse("device", args=[987654321]).replace("987654321", "{}")


def _kept(groups: Groups, idx: np.ndarray) -> np.ndarray:
    """Row numbers of the group's measured devices that count in its statistics."""
    d = groups.devices
    return idx[d.measured[idx] & ~d.excluded[idx]]


def _finite(values: np.ndarray) -> list[float]:
    return values[np.isfinite(values)].tolist()


def figure_groups(groups: Groups, metric: str, links: bool = True) -> list[dict]:
    """Builder input per group; ``links=False`` leaves out codes, urls and reasons."""
    d = groups.devices
    url = device_url_template()
    out = []
    for name, idx in groups.items():
        measured = idx[d.measured[idx]]
        excluded = d.excluded[measured]
        group: dict[str, Any] = {
            "name": name,
            "values": d.values[metric][measured],
            "excluded": excluded,
        }
        if links:
            rows = measured.tolist()
            group["codes"] = [d.codes[i] for i in rows]
            group["urls"] = [url.format(i) for i in d.ids[measured].tolist()]
            # Only excluded devices show a reason; the others' would be "".
            group["reasons"] = [
                d.reason(i) if gone else "" for i, gone in zip(rows, excluded.tolist(), strict=True)
            ]
        out.append(group)
    return out


def group_stats(groups: Groups) -> list[dict[str, Any]]:
    """Per group: N, mean ± std, median, champion, yield; excluded devices counted apart."""
    d = groups.devices
    pce = d.values["pce_percent"]
    table = []
    for name, idx in groups.items():
        kept = _kept(groups, idx)
        measured = d.measured[idx]
        n = len(idx)
        entry: dict[str, Any] = {
            "name": name,
            "n_devices": n,
            "n_measured": int(measured.sum()),
            "n_excluded": int((measured & d.excluded[idx]).sum()),
            "yield_percent": 100.0 * len(kept) / n if n else None,
        }
        for metric in METRICS:
            entry[metric] = compute.stats.summarise(_finite(d.values[metric][kept]))
        champion = None
        if len(kept):
            # A device without PCE ranks as -1, as 0 did; argmax keeps the first of equals.
            values = pce[kept]
            key = np.where(np.isfinite(values) & (values != 0), values, -1.0)
            champion = int(kept[int(np.argmax(key))])
        entry["champion"] = d.codes[champion] if champion is not None else None
        entry["champion_id"] = int(d.ids[champion]) if champion is not None else None
        entry["champion_pce"] = d.value("pce_percent", champion) if champion is not None else None
        table.append(entry)
    return table


MAX_PAIRWISE_GROUPS = 8


def significance(
    groups: Groups, metric: str = "pce_percent", per: str = "device"
) -> list[dict[str, Any]]:
    """Welch and Mann-Whitney between every pair of groups, on devices or substrate means.

    Past MAX_PAIRWISE_GROUPS groups every group is tested against the first one only: 190
    pairs for 20 groups is slow to compute and unreadable.
    """
    d = groups.devices
    samples: dict[str, list[float]] = {}
    for name, idx in groups.items():
        kept = _kept(groups, idx)
        if per == "substrate":
            means = compute.stats.substrate_means(d.values[metric][kept], d.substrate_ids[kept])
            samples[name] = means["mean"]
        else:
            samples[name] = _finite(d.values[metric][kept])
    names = list(samples)
    if len(names) > MAX_PAIRWISE_GROUPS:
        pairs = [(names[0], other) for other in names[1:]]
    else:
        pairs = list(combinations(names, 2))
    return [
        {"a": a, "b": b, "per": per, **compute.stats.compare_groups(samples[a], samples[b])}
        for a, b in pairs
    ]


# Past this many devices only the PCE figure carries device codes and links (hover, click):
# four copies of them made a 10,000-device comparison weigh over 2 MB.
LINKED_FIGURES_MAX_DEVICES = 2000


def distribution_figures(groups: Groups) -> dict[str, dict]:
    linked_all = groups.n_devices <= LINKED_FIGURES_MAX_DEVICES
    return {
        m: figures.metric_distribution(
            figure_groups(groups, m, links=m == "pce_percent" or linked_all), m
        )
        for m in METRICS
    }


def excluded_devices(groups: Groups) -> list[dict[str, Any]]:
    """Measured devices left out of the statistics, with their group and reason."""
    d = groups.devices
    url = device_url_template()
    out = []
    for name, idx in groups.items():
        for i in idx[d.measured[idx] & d.excluded[idx]].tolist():
            out.append(
                {
                    "group": name,
                    "device_id": int(d.ids[i]),
                    "url": url.format(int(d.ids[i])),
                    "code": d.codes[i],
                    "reason": d.reason(i),
                    "pce_percent": d.value("pce_percent", i),
                }
            )
    return out


def unmeasured_count(groups: Groups) -> int:
    d = groups.devices
    return sum(int((~d.measured[idx]).sum()) for idx in groups.members.values())


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


def device_table(groups: Groups) -> list[list[Any]]:
    d = groups.devices
    # Each metric column once as Python floats (None where not finite), not a call per cell.
    columns = {m: [v if v - v == 0 else None for v in d.values[m].tolist()] for m in METRICS}
    return [
        [
            d.codes[i],
            name,
            d.substrate_codes[i],
            d.status[i],
            bool(d.excluded[i]),
            d.reason(i),
            *(columns[m][i] for m in METRICS),
            " ".join(d.flags[i]),
        ]
        for name, idx in groups.items()
        for i in idx.tolist()
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


AGING_FIGURES = ("t80_h", "ts80_h", "t95_h", "peak_ratio", "final_ratio", "t80_extrapolated_h")


def _mean_figures(hours: list, mean: list) -> dict[str, Any]:
    try:
        result = compute.aging.analyse_aging(hours, mean).to_dict()
    except ValueError:  # fewer than two time points: nothing to read off
        return dict.fromkeys(AGING_FIGURES)
    return {k: result.get(k) for k in AGING_FIGURES}


def aging_panel(study: StabilityStudy, series: AgingSeries | None) -> tuple[dict, list[dict]]:
    """One storage condition: per-device normalised curves, per-variant mean ± std, T80s."""
    title = f"{study.name}"
    if study.isos_protocol:
        title += f" ({study.isos_protocol})"
    if series is None or not series.device_ids.size:
        return {"title": title, "variants": []}, []
    # Every device at once, with analyse_aging's numbers per device.
    a = compute.aging.analyse_aging_many(series.device_ids, series.hours, series.values)
    # NaN (not reached, or no valid series) is None in the table and the downloads.
    columns = {k: [x if x == x else None for x in a[k].tolist()] for k in AGING_FIGURES}
    url = device_url_template()
    variants: dict[str, list[int]] = {}
    table = []
    for i, device_id in enumerate(a["ids"].tolist()):
        label = series.devices[device_id]
        table.append(
            {
                "study": study.code,
                "device": label["code"],
                "variant": label["variant"],
                **{k: columns[k][i] for k in AGING_FIGURES},
            }
        )
        if a["valid"][i]:
            variants.setdefault(label["variant"], []).append(i)
    panel_variants = []
    per_variant = max(5, AGING_TRACES_PER_PANEL // max(1, len(variants)))
    for name, rows in sorted(variants.items()):
        curves = [
            (a["hours"][i, : a["lengths"][i]], a["normalised"][i, : a["lengths"][i]]) for i in rows
        ]
        agg = compute.aging.aggregate_series(curves)
        mean_figures = _mean_figures(agg["hours"], agg["mean"])
        panel_variants.append(
            {
                "name": name,
                "hours": agg["hours"],
                "mean": [100.0 * x if x is not None else None for x in agg["mean"]],
                "std": [100.0 * x if x is not None else None for x in agg["std"]],
                "devices": [
                    {
                        "code": series.devices[int(a["ids"][i])]["code"],
                        "url": url.format(int(a["ids"][i])),
                        "hours": curves[j][0].tolist(),
                        "values": (100.0 * curves[j][1]).tolist(),
                    }
                    for j, i in evenly_spaced(list(enumerate(rows)), per_variant)
                ],
                "t80_h": mean_figures["t80_h"],
            }
        )
        table.append(
            {"study": study.code, "device": "(variant mean)", "variant": name, **mean_figures}
        )
    return {"title": title, "variants": panel_variants}, table


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
