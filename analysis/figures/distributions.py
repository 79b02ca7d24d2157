"""Device-metric distributions (PCE, Voc, Jsc, FF): every device visible and clickable.

Input group: {"name": str, "values": [float|None, ...], "codes": [str, ...], "urls": [str, ...],
"excluded": [bool, ...] (optional), "reasons": [str, ...] (optional), "n_substrates": int
(optional: the included devices' substrates, shown beside n)}; lists are per device and
aligned. Without "codes" the points carry no code or link (a large comparison sends them once,
with the PCE figure, rather than four times). Excluded devices are drawn apart with their
reason, never dropped, and never counted in the box or violin. Values that are None/NaN cannot
be placed on an axis; they are counted in the tick label instead so the reader still sees that
they exist.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import palette
from ._common import (
    PanelGrid,
    axis,
    axis_ids,
    base_layout,
    empty_figure,
    figure,
    floats,
    grid_domains,
    json_floats,
    json_strings,
    layout_key,
    panel_title,
    safe_text,
    safe_texts,
)


@dataclass(frozen=True)
class Metric:
    label: str
    unit: str
    hover_format: str

    @property
    def title(self) -> str:
        return f"{self.label} ({self.unit})"


METRICS = {
    "pce_percent": Metric("PCE", "%", ".2f"),
    "voc_v": Metric("V<sub>OC</sub>", "V", ".3f"),
    "jsc_ma_cm2": Metric("J<sub>SC</sub>", "mA cm<sup>-2</sup>", ".2f"),
    "ff": Metric("FF", "%", ".1f"),
}
VIOLIN_MIN_N = 20  # below this a kernel density is mostly the kernel, so a box is more honest
WEBGL_ABOVE = 2000  # SVG markers get sluggish past a few thousand points
# Raincloud layout around each group's tick: statistics on the left, the devices as a
# jittered cloud on the right (never hidden under the box, even with thousands of WebGL
# points, which draw above SVG), excluded devices in their own column further right.
BOX_OFFSET, BOX_WIDTH = -0.17, 0.24
VIOLIN_OFFSET, VIOLIN_WIDTH = -0.04, 0.8  # a half violin: it grows leftwards from x0
POINTS_OFFSET, JITTER = 0.13, 0.09
EXCLUDED_OFFSET = 0.38


@dataclass
class _Devices:
    values: np.ndarray
    codes: list[str] | None  # None: the group came without codes (and links)
    urls: list[str] | None
    reasons: list[str]


@dataclass
class _Group:
    name: str
    color: str
    included: _Devices
    excluded: _Devices
    missing: int
    substrates: int | None = None  # the independent unit, when the caller counted them


def _ff_scale(groups: Sequence[dict]) -> float:
    """FF arrives as a fraction from the curve analysis but as % when typed from a paper.

    No FF fraction can exceed 1, and no working cell has FF below 1 %, so any value above 1
    means the whole set is already in percent.
    """
    values = np.concatenate([floats(g.get("values")) for g in groups] or [np.empty(0)])
    finite = values[np.isfinite(values)]
    return 1.0 if finite.size and finite.max() > 1.0 else 100.0


def _pick(items: list[str], mask: np.ndarray) -> list[str]:
    return [item for item, keep in zip(items, mask.tolist(), strict=True) if keep]


def _prepare(group: dict, color: str, scale: float) -> _Group:
    values = floats(group.get("values")) * scale
    n = len(values)
    flags = group.get("excluded")
    # `is None`, not truthiness: selectors may hand over numpy arrays.
    excluded = np.zeros(n, bool) if flags is None or len(flags) == 0 else np.asarray(flags, bool)
    if excluded.shape != (n,):
        raise ValueError(f"{group.get('name')!r}: 'excluded' must have one flag per value")
    given = group.get("codes")
    linked = given is not None and len(given) > 0
    # Codes and reasons are drawn (hover labels); urls only followed on a click.
    codes = safe_texts(json_strings(given, n, "?")) if linked else None
    urls = json_strings(group.get("urls"), n) if linked else None
    reasons = safe_texts(json_strings(group.get("reasons"), n, "no reason recorded"))
    finite = np.isfinite(values)

    def devices(mask: np.ndarray) -> _Devices:
        return _Devices(
            values[mask],
            _pick(codes, mask) if codes is not None else None,
            _pick(urls, mask) if urls is not None else None,
            _pick(reasons, mask),
        )

    return _Group(
        name=safe_text(group.get("name", "")),
        color=color,
        included=devices(finite & ~excluded),
        excluded=devices(finite & excluded),
        missing=int((~finite).sum()),
        substrates=group.get("n_substrates"),
    )


def _box_stats(v: np.ndarray) -> dict:
    """Tukey box computed here so plotly.js never needs the raw values for the box."""
    q1, median, q3 = np.percentile(v, [25, 50, 75])
    iqr = q3 - q1
    stats = {
        "q1": q1,
        "median": median,
        "q3": q3,
        "lowerfence": v[v >= q1 - 1.5 * iqr].min(),
        "upperfence": v[v <= q3 + 1.5 * iqr].max(),
        "mean": v.mean(),
    }
    return {key: json_floats([value]) for key, value in stats.items()}


def _stats_trace(group: _Group, position: int, webgl: bool, ids: tuple[str, str]) -> dict:
    style = {
        "name": group.name,
        "legendgroup": group.name,
        "showlegend": False,
        "xaxis": ids[0],
        "yaxis": ids[1],
        "line": {"color": group.color, "width": 1.5},
        "fillcolor": palette.rgba(group.color, 0.12),
    }
    values = group.included.values
    if values.size >= VIOLIN_MIN_N and not webgl:
        # The violin needs the raw values; past the WebGL threshold that doubles the payload.
        return {
            "type": "violin",
            "x0": position + VIOLIN_OFFSET,
            "width": VIOLIN_WIDTH,
            "side": "negative",
            "y": json_floats(values),
            "points": False,
            "spanmode": "hard",
            "box": {"visible": True, "width": 0.3},
            "meanline": {"visible": True},
            "hoveron": "violins",
            **style,
        }
    return {
        "type": "box",
        "x": [position + BOX_OFFSET],
        "width": BOX_WIDTH,
        **_box_stats(values),
        "boxmean": True,
        "boxpoints": False,
        "hoverinfo": "y",
        **style,
    }


def _jittered(position: float, n: int, spread: float, seed: int) -> list[float]:
    # Seeded so the same data always draws the same picture (and tests are repeatable).
    offsets = np.random.default_rng(seed).uniform(-spread, spread, n)
    return np.round(position + offsets, 3).tolist()


def _points_trace(
    group: _Group, position: int, metric: Metric, webgl: bool, ids: tuple[str, str], legend: bool
) -> dict:
    devices = group.included
    value = f"{metric.label}: %{{y:{metric.hover_format}}} {metric.unit}"
    links = {}
    if devices.codes is not None:
        links = {"text": devices.codes, "customdata": devices.urls}
        value = f"<b>%{{text}}</b><br>{value}"
    return {
        "type": "scattergl" if webgl else "scatter",
        "mode": "markers",
        "name": group.name,
        "legendgroup": group.name,
        "showlegend": legend,
        "x": _jittered(position + POINTS_OFFSET, devices.values.size, JITTER, position),
        "y": json_floats(devices.values),
        **links,
        "hovertemplate": f"{value}<extra>%{{fullData.name}}</extra>",
        "marker": {
            "color": group.color,
            "size": 4 if webgl else 7,
            "opacity": 0.55 if webgl else 0.75,
            "line": {"width": 0 if webgl else 0.5, "color": "white"},
        },
        "xaxis": ids[0],
        "yaxis": ids[1],
    }


def included_range(groups: list[_Group]) -> tuple[float, float] | None:
    """The y range of the included devices, padded: excluded devices must not set the axis
    (one shorted pixel at 0.1 V squashed a 0.55-0.65 V Voc distribution to a line)."""
    values = np.concatenate([g.included.values for g in groups] or [np.empty(0)])
    if not values.size:
        return None
    lo, hi = float(values.min()), float(values.max())
    pad = 0.12 * (hi - lo) if hi > lo else max(abs(hi) * 0.05, 0.01)
    return lo - pad, hi + pad


def _excluded_trace(
    groups: list[_Group],
    metric: Metric,
    webgl: bool,
    ids: tuple[str, str],
    legend: bool,
    span: tuple[float, float] | None = None,
) -> dict | None:
    """Excluded devices in their own column; those beyond the included devices' range sit on
    the axis edge as a triangle pointing at their value (in the hover), so they are drawn
    apart without stretching the axis."""
    x, y, codes, urls, notes, symbols = [], [], [], [], [], []
    linked = any(g.excluded.codes is not None for g in groups)
    for position, group in enumerate(groups):
        devices = group.excluded
        n = devices.values.size
        seed = 10_000 + position
        x += _jittered(position + EXCLUDED_OFFSET, n, 0.03, seed)
        shown = devices.values
        symbols += ["x"] * n
        if span is not None:
            edge = 0.02 * (span[1] - span[0])
            below, above = shown < span[0], shown > span[1]
            shown = np.clip(shown, span[0] + edge, span[1] - edge)
            for k in np.flatnonzero(below | above).tolist():
                symbols[len(symbols) - n + k] = "triangle-down" if below[k] else "triangle-up"
        y += json_floats(shown)
        codes += devices.codes if devices.codes is not None else ["?"] * n
        urls += devices.urls if devices.urls is not None else [""] * n
        notes += [
            f"{group.name}: excluded ({reason})<br>{metric.label}: "
            f"{value:{metric.hover_format}} {metric.unit}"
            for reason, value in zip(devices.reasons, devices.values.tolist(), strict=True)
        ]
    if not y:
        return None
    value = "%{hovertext}"
    links = {"text": codes, "customdata": urls} if linked else {}
    return {
        "type": "scattergl" if webgl else "scatter",
        "mode": "markers",
        "name": f"Excluded ({len(y)})",
        "legendgroup": "excluded",
        "showlegend": legend,
        "x": x,
        "y": y,
        **links,
        "hovertext": notes,
        "hovertemplate": (f"<b>%{{text}}</b><br>{value}" if linked else value) + "<extra></extra>",
        "marker": {
            "color": palette.EXCLUDED,
            "symbol": symbols if len(set(symbols)) > 1 else symbols[0],
            "size": 8,
            "opacity": 0.9,
        },
        "xaxis": ids[0],
        "yaxis": ids[1],
    }


def _tick_label(group: _Group) -> str:
    notes = [f"n = {group.included.values.size}"]
    if group.substrates is not None:
        notes[0] += f" ({group.substrates} substrate{'' if group.substrates == 1 else 's'})"
    if group.excluded.values.size:
        notes.append(f"{group.excluded.values.size} excluded")
    if group.missing:
        notes.append(f"{group.missing} without value")
    return f"{group.name}<br>{', '.join(notes)}"


def _panel(
    groups: list[_Group],
    metric: Metric,
    index: int,
    webgl: bool,
    span: tuple[float, float] | None = None,
) -> tuple[list[dict], dict, dict]:
    """Traces plus the x and y axis of one subplot; only the first subplot fills the legend.
    ``span``: the y range shared with other panels (default: this panel's included devices)."""
    ids = axis_ids(index)
    legend = index == 0
    traces: list[dict] = []
    for position, group in enumerate(groups):
        if group.included.values.size:
            traces.append(_stats_trace(group, position, webgl, ids))
            traces.append(_points_trace(group, position, metric, webgl, ids, legend))
    span = span or included_range(groups)
    excluded = _excluded_trace(groups, metric, webgl, ids, legend, span)
    if excluded:
        traces.append(excluded)
    xaxis = axis(
        "",
        tickmode="array",
        tickvals=list(range(len(groups))),
        ticktext=[_tick_label(g) for g in groups],
        range=[-0.55, len(groups) - 0.45],
        showgrid=False,
    )
    yaxis = axis(metric.title)
    if span is not None:
        # Always the included devices' range: excluded ones must not stretch it, and a flat
        # group (every Voc 0.500 V) must not be centred in plotly's default -0.5..1.5.
        yaxis["range"] = json_floats(span)
    return traces, xaxis, yaxis


def _prepared(groups: Sequence[dict], metric: str) -> list[_Group]:
    scale = _ff_scale(groups) if metric == "ff" else 1.0
    colors = palette.colors_for(str(g.get("name", "")) for g in groups)
    # A caller that knows the group's stable key (pages: the variant's role or recipe) passes
    # its colour; otherwise the name picks one.
    return [_prepare(g, g.get("color") or colors[str(g.get("name", ""))], scale) for g in groups]


def _use_webgl(groups: list[_Group]) -> bool:
    total = sum(g.included.values.size + g.excluded.values.size for g in groups)
    return total > WEBGL_ABOVE


def metric_distribution(groups: Sequence[dict], metric: str) -> dict:
    """One metric across groups: box (violin from 20 devices) plus every device as a point."""
    spec = METRICS[metric]
    if not groups:
        return empty_figure("No devices selected", "", spec.title)
    prepared = _prepared(groups, metric)
    traces, xaxis, yaxis = _panel(prepared, spec, 0, _use_webgl(prepared))
    return figure(traces, base_layout(xaxis=xaxis, yaxis=yaxis))


def metric_grid(
    groups: Sequence[dict], metrics: Sequence[str] = ("pce_percent", "voc_v", "jsc_ma_cm2", "ff")
) -> dict:
    """The four J-V metrics side by side (2 x 2); groups carry one values list per metric.

    Here a group's values are a dict keyed by metric: {"name", "values": {"pce_percent": [...],
    "voc_v": [...], ...}, "codes", "urls", "excluded", "reasons"}.
    """
    if not groups:
        return empty_figure("No devices selected", "", METRICS[metrics[0]].title)
    cols = 2 if len(metrics) > 1 else 1
    rows = -(-len(metrics) // cols)
    x_domains, y_domains = grid_domains(cols, 0.1), grid_domains(rows, 0.14)[::-1]
    data: list[dict] = []
    layout = base_layout(height=380 * rows)
    per_metric = [[{**g, "values": g["values"][m]} for g in groups] for m in metrics]
    webgl = any(_use_webgl(_prepared(gs, m)) for gs, m in zip(per_metric, metrics, strict=True))
    for index, (metric, metric_groups) in enumerate(zip(metrics, per_metric, strict=True)):
        traces, xaxis, yaxis = _panel(
            _prepared(metric_groups, metric), METRICS[metric], index, webgl
        )
        x_id, y_id = axis_ids(index)
        xaxis.update(domain=x_domains[index % cols], anchor=y_id)
        yaxis.update(domain=y_domains[index // cols], anchor=x_id)
        layout[layout_key(x_id)], layout[layout_key(y_id)] = xaxis, yaxis
        data += traces
    return figure(data, layout)


def metric_facets(
    facets: Sequence[tuple[str, Sequence[dict]]], metric: str, max_columns: int = 3
) -> dict:
    """A two-factor comparison: one panel per level of the second factor (a dot size, a
    batch), the groups of the first factor side by side in each, one y scale for all.

    Facet: (title, groups as for ``metric_distribution``). Groups of one name keep one colour
    in every panel (give them "color", or the name picks it).
    """
    spec = METRICS[metric]
    if not facets:
        return empty_figure("No devices selected", "", spec.title)
    every = [g for _, groups in facets for g in groups]
    scale = _ff_scale(every) if metric == "ff" else 1.0
    colors = palette.colors_for(str(g.get("name", "")) for g in every)
    prepared = [
        (title, [_prepare(g, g.get("color") or colors[str(g.get("name", ""))], scale) for g in gs])
        for title, gs in facets
    ]
    flat = [g for _, groups in prepared for g in groups]
    webgl = _use_webgl(flat)
    span = included_range(flat)
    grid = PanelGrid(len(prepared), max_columns)
    layout = base_layout(height=400 * grid.rows, annotations=[])
    layout["margin"] = {**layout["margin"], "t": 80}
    data: list[dict] = []
    for index, (title, groups) in enumerate(prepared):
        traces, xaxis, yaxis = _panel(groups, spec, index, webgl, span)
        ids, x_domain, y_domain = grid.place(layout, index, "", spec.title)
        x_key = layout_key(ids[0])
        for key in ("tickmode", "tickvals", "ticktext", "range", "showgrid"):
            layout[x_key][key] = xaxis[key]
        if index == 0 and "range" in yaxis:
            layout[layout_key(ids[1])]["range"] = yaxis["range"]
        layout["annotations"].append(panel_title(f"<b>{safe_text(title)}</b>", x_domain, y_domain))
        data += traces
    return figure(data, layout)
