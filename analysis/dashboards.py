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
            "n_substrates": int(np.unique(d.substrate_ids[measured[~excluded]]).size),
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
    """Per group: N, mean ± std, median, champion, yield; excluded devices counted apart.

    Each metric's summary is after exclusion; ``all`` holds the same summaries over every
    measured device, so both can be shown side by side. Substrates are counted too (the
    independent unit).
    """
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
            "n_kept": len(kept),
            "n_substrates": int(np.unique(d.substrate_ids[kept]).size),
            "n_substrates_measured": int(np.unique(d.substrate_ids[idx[measured]]).size),
            "yield_percent": 100.0 * len(kept) / n if n else None,
            "all": {
                m: compute.stats.summarise(_finite(d.values[m][idx[measured]])) for m in METRICS
            },
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
# The p-values of one table form one family: each column is Holm-corrected over its pairs.
P_COLUMNS = ("welch_p", "mannwhitney_p", "mixed_p")


def _holm_columns(rows: list[dict[str, Any]]) -> None:
    for key in P_COLUMNS:
        for adjusted, row in zip(compute.stats.holm([r.get(key) for r in rows]), rows, strict=True):
            row[f"{key}_holm"] = adjusted


def significance(
    groups: Groups, metric: str = "pce_percent", per: str = compute.stats.DEFAULT_UNIT
) -> list[dict[str, Any]]:
    """Welch and Mann-Whitney between every pair of groups (compute.stats.compare_units): on
    substrate means by default, with a mixed model, or on devices.

    Each row holds the test after exclusion and, under ``all``, the same test over every
    measured device; the p-values of each column are Holm-corrected over the pairs
    (``*_holm``). Past MAX_PAIRWISE_GROUPS groups every group is tested against the first one
    only: 190 pairs for 20 groups is slow to compute and unreadable.
    """
    d = groups.devices
    values = d.values[metric]

    def sample(rows: np.ndarray) -> compute.stats.UnitSample:
        return compute.stats.unit_sample(values[rows], d.substrate_ids[rows], per)

    # Each group's samples once, not once per pair it is in.
    kept: dict[str, compute.stats.UnitSample] = {}
    measured: dict[str, compute.stats.UnitSample] = {}
    for name, idx in groups.items():
        kept[name] = sample(_kept(groups, idx))
        measured[name] = sample(idx[d.measured[idx]])
    names = list(kept)
    if len(names) > MAX_PAIRWISE_GROUPS:
        pairs = [(names[0], other) for other in names[1:]]
    else:
        pairs = list(combinations(names, 2))
    compare = compute.stats.compare_samples
    out = [
        {"a": a, "b": b, **compare(kept[a], kept[b]), "all": compare(measured[a], measured[b])}
        for a, b in pairs
    ]
    _holm_columns(out)
    _holm_columns([row["all"] for row in out])
    return out


def statistics_context(groups: Groups, per: str) -> dict[str, Any]:
    """What templates/analysis/_distributions.html shows: statistics (all measured and after
    exclusion), tests on ``per`` (compute.stats.UNITS), figures, excluded devices and the
    exclusion rule in words."""
    per = per if per in compute.stats.UNITS else compute.stats.DEFAULT_UNIT
    return {
        "stats": group_stats(groups),
        "tests": significance(groups, "pce_percent", per),
        "per": per,
        "units": compute.stats.UNITS,
        "unit_label": compute.stats.UNITS[per],
        "figs": distribution_figures(groups),
        "excluded": excluded_devices(groups),
        "unmeasured": unmeasured_count(groups),
        "exclusion_rules": groups.devices.thresholds.rules(),
    }


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
    "hysteresis_index",
    "flags",
]


def device_table(groups: Groups) -> list[list[Any]]:
    d = groups.devices
    # Each metric column once as Python floats (None where not finite), not a call per cell.
    columns = {m: [v if v - v == 0 else None for v in d.values[m].tolist()] for m in METRICS}
    hi = d.hi_pce.tolist() if d.hi_pce is not None else [float("nan")] * len(d)
    hysteresis = [v if v - v == 0 else None for v in hi]
    return [
        [
            d.codes[i],
            name,
            d.substrate_codes[i],
            d.status[i],
            bool(d.excluded[i]),
            d.reason(i),
            *(columns[m][i] for m in METRICS),
            hysteresis[i],
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
    "n_substrates",
    "pce_mean_all_measured",
    "pce_std_all_measured",
    "pce_median_all_measured",
    "voc_mean_all_measured",
    "jsc_mean_all_measured",
    "ff_mean_all_measured",
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
            s["n_substrates"],
            s["all"]["pce_percent"].get("mean"),
            s["all"]["pce_percent"].get("std"),
            s["all"]["pce_percent"].get("median"),
            s["all"]["voc_v"].get("mean"),
            s["all"]["jsc_ma_cm2"].get("mean"),
            s["all"]["ff"].get("mean"),
        ]
        for s in stats
    ]


# Device traces drawn per panel (shared among its variants, at least 5 each); the mean, the
# band, T80 and the table use every device.
AGING_TRACES_PER_PANEL = 200


# Read off each device's curve and each variant's mean curve, then off devices only.
CURVE_FIGURES = ("t80_h", "ts80_h", "t95_h", "peak_ratio", "final_ratio", "t80_extrapolated_h")
AGING_FIGURES = (*CURVE_FIGURES, "died_h", "last_h")
# Read off a variant's mean curve only: its burn-in fit (one fit per variant, not per device).
BURN_IN_FIGURES = ("e_s", "ts80_es_h", "ts80_es_extrapolated_h")


def _mean_figures(hours: list, mean: list) -> dict[str, Any]:
    empty = dict.fromkeys(AGING_FIGURES + BURN_IN_FIGURES)
    try:
        result = compute.aging.analyse_aging(hours, mean).to_dict()
    except ValueError:  # fewer than two time points: nothing to read off
        return empty
    burn_in = result.get("burn_in") or {}
    return (
        empty
        | {k: result.get(k) for k in CURVE_FIGURES}
        | {
            "e_s": burn_in.get("e_s"),
            "ts80_es_h": burn_in.get("ts80_h"),
            "ts80_es_extrapolated_h": burn_in.get("ts80_extrapolated_h"),
        }
    )


def _state(a: dict[str, np.ndarray], i: int) -> str:
    """What became of device ``i`` in the study, in words (the table's state column)."""
    if not a["valid"][i]:
        return "dead from its first scan" if a["lengths"][i] >= 2 else "one scan so far"
    if a["died_h"][i] == a["died_h"][i]:
        return f"dead at {a['died_h'][i]:.0f} h"
    if a["t80_h"][i] == a["t80_h"][i]:
        return "T80 reached"
    if a["on_test"][i]:
        return "on test"
    return f"no longer measured after {a['last_h'][i]:.0f} h"


def _p_text(p: float | None) -> str:
    text = compute.stats.format_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def aging_panel(study: StabilityStudy, series: AgingSeries | None) -> tuple[dict, list[dict], dict]:
    """One storage condition: per-device normalised curves, per-variant mean ± std, T80s, and
    the Kaplan-Meier survival of T80 per variant with its log-rank test.

    Dead pixels (compute.aging.mark_failures) stay in: a failure at the time they died, held
    at 0 in the variant mean, an event in the survival curve. Returns (aging figure panel,
    table rows, survival figure panel).
    """
    title = f"{study.name}"
    if study.isos_protocol:
        title += f" ({study.isos_protocol})"
    if series is None or not series.device_ids.size:
        return {"title": title, "variants": []}, [], {"title": title, "groups": [], "logrank": None}
    # Every device at once, with analyse_aging's numbers per device.
    a = compute.aging.analyse_aging_many(
        series.device_ids,
        series.hours,
        series.values,
        failed=series.failed,
        study_hours=series.study_hours,
    )
    # NaN (not reached, or no valid series) is None in the table and the downloads.
    columns = {k: [x if x == x else None for x in a[k].tolist()] for k in AGING_FIGURES}
    variants: dict[str, list[int]] = {}
    table = []
    for i, device_id in enumerate(a["ids"].tolist()):
        label = series.devices[device_id]
        table.append(
            {
                "study": study.code,
                "device": label["code"],
                "variant": label["variant"],
                "state": _state(a, i),
                **{k: columns[k][i] for k in AGING_FIGURES},
                **dict.fromkeys(BURN_IN_FIGURES),
            }
        )
        if a["valid"][i]:
            variants.setdefault(label["variant"], []).append(i)
    per_variant = max(5, AGING_TRACES_PER_PANEL // max(1, len(variants)))
    panel_variants = []
    for name, rows in sorted(variants.items()):
        variant, mean_row = _aging_variant(a, series, name, rows, per_variant)
        panel_variants.append(variant)
        table.append({"study": study.code, "device": "(variant mean)", **mean_row})
    rows = [i for _, members in sorted(variants.items()) for i in members]
    names = [name for name, members in sorted(variants.items()) for _ in members]
    survival = _survival(a, rows, names)
    for group, variant in zip(survival["groups"], panel_variants, strict=True):
        group["alive"], group["dead"] = variant["alive"], variant["n"] - variant["alive"]
    logrank = survival["logrank"]
    note = f"log-rank {_p_text(logrank['p'])}" if logrank else ""
    return (
        {"title": title, "variants": panel_variants},
        table,
        {"title": title, "groups": survival["groups"], "logrank": logrank, "note": note},
    )


def _aging_variant(
    a: dict[str, np.ndarray], series: AgingSeries, name: str, rows: list[int], traces: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A variant's figure input (mean ± std, up to ``traces`` device lines) and its table row
    (figures of the mean curve, survivors)."""
    url = device_url_template()
    curves = [
        (a["hours"][i, : a["lengths"][i]], a["normalised"][i, : a["lengths"][i]]) for i in rows
    ]
    dead = [a["died_h"][i] == a["died_h"][i] for i in rows]
    agg = compute.aging.aggregate_series(curves, held=dead)
    mean_figures = _mean_figures(agg["hours"], agg["mean"])
    alive = len(rows) - sum(dead)
    variant = {
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
            for j, i in evenly_spaced(list(enumerate(rows)), traces)
        ],
        "t80_h": mean_figures["t80_h"],
        "alive": alive,
        "n": len(rows),
    }
    row = {"variant": name, "state": f"{alive} of {len(rows)} alive", **mean_figures}
    return variant, row


def _survival(a: dict[str, np.ndarray], rows: list[int], names: list[str]) -> dict[str, Any]:
    """T80 survival: reached (dead pixels too) is an event, else censored at the last scan."""
    if not rows:
        return {"groups": [], "logrank": None}
    t80 = a["t80_h"][rows]
    reached = np.isfinite(t80)
    durations = np.where(reached, t80, a["last_h"][rows])
    return compute.aging.t80_survival(durations, reached, names)


AGING_COLUMNS = [
    "study",
    "device",
    "variant",
    "state",
    "t80_h",
    "ts80_h",
    "t95_h",
    "peak_ratio",
    "final_ratio",
    "t80_extrapolated_h",
    "died_h",
    "last_h",
    "e_s",
    "ts80_es_h",
    "ts80_es_extrapolated_h",
]
