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
from .compute.aging import extrapolate_crossing
from .metrics import METRICS, AgingSeries, Groups

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


def _substrate_means(groups: Groups, kept: np.ndarray, metric: str) -> list[float]:
    """Mean per substrate, in order of first appearance, summed as Python's sum() does."""
    d = groups.devices
    values = d.values[metric][kept]
    finite = np.isfinite(values)
    sums: dict[int, list[float]] = {}
    for substrate, v in zip(
        d.substrate_ids[kept][finite].tolist(), values[finite].tolist(), strict=True
    ):
        sums.setdefault(substrate, []).append(v)
    return [sum(v) / len(v) for v in sums.values()]


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
            samples[name] = _substrate_means(groups, kept, metric)
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
# compute.aging.analyse_aging's defaults and levels (x / 100.0 of the reference), which the
# per-device figures below reproduce.
PERSIST_POINTS = 2
EXTRAPOLATION_POINTS = 4
T80, T95 = 80 / 100.0, 95 / 100.0


def _sample(items: list, limit: int) -> list:
    """At most ``limit`` items, evenly spaced, so a 1000-device study stays light to draw."""
    if len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def _crossing_times(
    h: np.ndarray, y: np.ndarray, inside: np.ndarray, level: np.ndarray, start: np.ndarray
) -> np.ndarray:
    """compute.aging.crossing_time for every row of a padded matrix at once (NaN: none).

    The first k >= max(start, 1) from which y stays below ``level`` for PERSIST_POINTS points
    (fewer at the end of a series), interpolated between k - 1 and k with the same float
    operations as crossing_time.
    """
    below = (y < level[:, None]) & inside
    run = below | ~inside  # past its end a series' run is cut short, as a slice is
    held = run.copy()
    for shift in range(1, PERSIST_POINTS):
        later = np.ones_like(run)
        later[:, :-shift] = run[:, shift:]
        held &= later
    k_all = np.arange(y.shape[1])
    candidate = held & inside & (k_all[None, :] >= np.maximum(start, 1)[:, None])
    rows = np.flatnonzero(candidate.any(axis=1))
    k = candidate[rows].argmax(axis=1)
    y0, y1 = y[rows, k - 1], y[rows, k]
    h0, h1 = h[rows, k - 1], h[rows, k]
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (y0 - level[rows]) / (y0 - y1)
        t = h0 + f * (h1 - h0)
    out = np.full(y.shape[0], np.nan)
    out[rows] = np.where(below[rows, k - 1], h0, t)
    return out


def aging_figures(series: AgingSeries) -> dict[str, Any]:
    """Per-device T80, TS80, T95, peak and final ratios of one study, all devices at once.

    The numbers are those of compute.aging.analyse_aging per device (tests compare them), from
    one padded device x time matrix instead of a Python call per device. A device with fewer
    than two points or a first value of zero cannot be normalised: ``valid`` is False for it.
    ``series`` must hold at least one point.
    """
    ids = series.device_ids
    new = np.ones(ids.size, dtype=bool)
    new[1:] = ids[1:] != ids[:-1]
    starts = np.flatnonzero(new)
    lengths = np.diff(np.append(starts, ids.size))
    n, width = starts.size, int(lengths.max())
    row = np.repeat(np.arange(n), lengths)
    col = np.arange(ids.size) - np.repeat(starts, lengths)
    h = np.full((n, width), np.nan)
    v = np.full((n, width), np.nan)
    h[row, col], v[row, col] = series.hours, series.values
    inside = np.arange(width)[None, :] < lengths[:, None]
    valid = (lengths >= 2) & (v[:, 0] != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = v / v[:, :1]
    y[~valid] = np.nan
    inside &= valid[:, None]
    last = np.maximum(lengths - 1, 0)
    r = np.arange(n)
    peak_at = np.where(inside, y, -np.inf).argmax(axis=1)
    peak = y[r, peak_at]
    from_start = np.zeros(n, dtype=int)
    # T against the first point (level x 1.0), TS against the peak, from the peak on.
    t80 = _crossing_times(h, y, inside, np.full(n, T80 * 1.0), from_start)
    ts80 = _crossing_times(h, y, inside, T80 * peak, peak_at)
    t95 = _crossing_times(h, y, inside, np.full(n, T95 * 1.0), from_start)
    extrapolated = np.full(n, np.nan)
    for i in np.flatnonzero(valid & np.isnan(t80)).tolist():
        # A line through the last points, np.polyfit per device as analyse_aging fits it: only
        # devices that never reach T80 need one.
        e = extrapolate_crossing(
            h[i, : lengths[i]], y[i, : lengths[i]], T80 * 1.0, EXTRAPOLATION_POINTS
        )
        extrapolated[i] = np.nan if e is None else e
    return {
        "device_ids": ids[starts],
        "lengths": lengths,
        "hours": h,
        "normalised": y,
        "valid": valid,
        "t80_h": t80,
        "ts80_h": ts80,
        "t95_h": t95,
        "peak_ratio": peak,
        "final_ratio": y[r, last],
        "t80_extrapolated_h": extrapolated,
    }


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
    a = aging_figures(series)
    # NaN (not reached, or no valid series) is None in the table and the downloads.
    columns = {k: [x if x == x else None for x in a[k].tolist()] for k in AGING_FIGURES}
    url = device_url_template()
    variants: dict[str, list[int]] = {}
    table = []
    for i, device_id in enumerate(a["device_ids"].tolist()):
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
                        "code": series.devices[int(a["device_ids"][i])]["code"],
                        "url": url.format(int(a["device_ids"][i])),
                        "hours": curves[j][0].tolist(),
                        "values": (100.0 * curves[j][1]).tolist(),
                    }
                    for j, i in _sample(list(enumerate(rows)), per_variant)
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
