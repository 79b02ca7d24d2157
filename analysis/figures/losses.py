"""Loss-analysis figures (issue 16): the waterfall from the Shockley-Queisser limit to the
measured PCE, Voc deficit against bandgap with the SQ and radiative lines, PCE and Voc against
the exciton energy of the syntheses, EQE over absorbance with the 1S positions, and the recipe
x bandgap comparison as grouped violins (one group per bandgap bin, never pooling dot sizes).

Builders take plain rows (dicts of figures, as ``selectors.losses.loss_rows`` gives them) and
answer plotly dicts; like every builder here they never touch the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import palette
from ._common import (
    PanelGrid,
    axis,
    base_layout,
    empty_figure,
    figure,
    floats,
    json_floats,
    safe_text,
    safe_texts,
)

PCE_TITLE = "PCE (%)"
GAP_TITLE = "Bandgap E<sub>g</sub> (eV)"
EXCITON_TITLE = "Exciton energy of the synthesis (eV)"
HC_EV_NM = 1239.84198
# Width of the bandgap bins of the recipe comparison: the 1.0 and 1.3 eV dots never share one.
GAP_BIN_EV = 0.05
# Above this many devices the exciton plot shows only each synthesis's medians and the recipe
# violins only their outliers as points: 10,000 points per trace would pass the page budget.
MAX_POINTS = 2000
METRIC_TITLES = {
    "voc_deficit_v": "V<sub>OC</sub> deficit E<sub>g</sub>/q − V<sub>OC</sub> (V)",
    "delta_voc_nonrad_v": "Non-radiative ΔV<sub>OC</sub> (V)",
    "pce_percent": PCE_TITLE,
    "voc_v": "V<sub>OC</sub> (V)",
    "ff": "FF",
    "jsc_loss_ma_cm2": "J<sub>SC</sub> loss against SQ (mA cm<sup>-2</sup>)",
    "voc_over_sq": "V<sub>OC</sub> / V<sub>OC,SQ</sub>",
}


def _get(row: dict, key: str) -> float | None:
    value = row.get(key)
    if value is None:
        value = (row.get("measured") or {}).get(key)
    return float(value) if isinstance(value, (int, float)) and np.isfinite(value) else None


def waterfall_steps(fig: dict[str, Any]) -> tuple[list[tuple[str, float, str]], str | None]:
    """(label, PCE points, hover) from the SQ limit down to the device, or ([], reason).

    PCE (%) = Voc (V) Jsc (mA/cm2) FF under 100 mW/cm2, taken one factor at a time from its SQ
    value to the measured one: Voc first (radiative part SQ -> Voc,rad, then non-radiative
    Voc,rad -> Voc, at Jsc_SQ and FF_SQ), then FF (FF_SQ -> FF, at the measured Voc and
    Jsc_SQ), then Jsc (Jsc_SQ -> Jsc).
    The steps add up exactly to Voc x Jsc x FF of the device's J-V.
    """
    sq = [_get(fig, k) for k in ("sq_voc_v", "sq_jsc_ma_cm2", "sq_ff", "sq_pce_percent")]
    voc, jsc, ff = (_get(fig, k) for k in ("voc_v", "jsc_ma_cm2", "ff"))
    if any(v is None for v in sq):
        return [], fig.get("sq_voc_v_reason") or "no Shockley-Queisser limit (no bandgap)"
    if voc is None or jsc is None or ff is None:
        return [], "no light J-V with Voc, Jsc and FF"
    voc_sq, jsc_sq, ff_sq, pce_sq = sq
    steps = [("SQ limit", pce_sq, f"E<sub>g</sub> {fig['bandgap_ev']:.3f} eV")]
    voc_rad = _get(fig, "voc_rad_v")
    if voc_rad is not None:
        steps.append(
            (
                "Radiative<br>V<sub>OC</sub> loss",
                (voc_rad - voc_sq) * jsc_sq * ff_sq,
                f"V<sub>OC,SQ</sub> {voc_sq:.3f} → V<sub>OC,rad</sub> {voc_rad:.3f} V",
            )
        )
        steps.append(
            (
                "Non-radiative<br>V<sub>OC</sub> loss",
                (voc - voc_rad) * jsc_sq * ff_sq,
                f"V<sub>OC,rad</sub> {voc_rad:.3f} → V<sub>OC</sub> {voc:.3f} V",
            )
        )
    else:
        steps.append(
            (
                "V<sub>OC</sub> loss<br>(no EQE: not split)",
                (voc - voc_sq) * jsc_sq * ff_sq,
                f"V<sub>OC,SQ</sub> {voc_sq:.3f} → V<sub>OC</sub> {voc:.3f} V",
            )
        )
    ff_ideal = _get(fig, "ff_ideal")
    ff_note = f" (ideal FF from n: {ff_ideal:.3f})" if ff_ideal is not None else ""
    steps.append(("FF loss", voc * jsc_sq * (ff - ff_sq), f"FF {ff_sq:.3f} → {ff:.3f}{ff_note}"))
    steps.append(
        (
            "J<sub>SC</sub> loss",
            voc * (jsc - jsc_sq) * ff,
            f"J<sub>SC,SQ</sub> {jsc_sq:.2f} → {jsc:.2f} mA cm<sup>-2</sup>",
        )
    )
    return steps, None


def waterfall_figure(fig: dict[str, Any], title: str = "") -> dict:
    """One device's (or a variant's median) path from the SQ limit to its PCE, in PCE points."""
    steps, reason = waterfall_steps(fig)
    if not steps:
        return empty_figure(f"No waterfall: {reason}", "", PCE_TITLE)
    labels = [label for label, _, _ in steps] + ["Measured<br>PCE"]
    values = [value for _, value, _ in steps]
    total = float(np.sum(values))
    hovers = [hover for _, _, hover in steps] + [
        f"V<sub>OC</sub> × J<sub>SC</sub> × FF: {total:.2f} %"
    ]
    trace = {
        "type": "waterfall",
        "orientation": "v",
        "x": labels,
        "y": json_floats([*values, 0.0]),
        "measure": ["absolute"] + ["relative"] * (len(steps) - 1) + ["total"],
        "text": [f"{v:+.2f}" if i else f"{v:.2f}" for i, v in enumerate(values)] + [f"{total:.2f}"],
        "textposition": "outside",
        "customdata": hovers,
        "hovertemplate": "%{x}: %{text} %<br>%{customdata}<extra></extra>",
        "connector": {"line": {"color": palette.REFERENCE, "width": 1}},
        "increasing": {"marker": {"color": palette.OTHERS[0]}},
        "decreasing": {"marker": {"color": palette.TARGET}},
        "totals": {"marker": {"color": palette.CONTROL}},
        "cliponaxis": False,
    }
    layout = base_layout(
        xaxis=axis("", tickangle=0),
        yaxis=axis(PCE_TITLE, rangemode="tozero"),
        showlegend=False,
        margin={"l": 60, "r": 20, "t": 50, "b": 90},
    )
    if title:
        layout["title"] = {"text": safe_text(title), "x": 0, "font": {"size": 15}}
    return figure([trace], layout)


def _sq_deficit_line(gaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from ..compute.losses import sq_limit  # pure; imported here to keep figure import light

    lo, hi = float(np.nanmin(gaps)) - 0.1, float(np.nanmax(gaps)) + 0.1
    x = np.linspace(max(lo, 0.5), min(hi, 3.0), 41)
    return x, np.array([g - sq_limit(round(float(g), 4)).voc_v for g in x])


def _col(rows: Sequence[dict], key: str) -> np.ndarray:
    """One figure of every row as a float array (NaN where missing), read in one pass; the
    measured fallback (``_get``) only for full rows, whose Voc, Jsc, FF, PCE sit in
    ``measured`` (the stored-column rows hold every key at the top)."""
    out = np.array([r.get(key) for r in rows], dtype=float)
    if rows and "measured" in rows[0] and np.isnan(out).any():
        out = np.array([_get(r, key) for r in rows], dtype=float)
    out[~np.isfinite(out)] = np.nan
    return out


def _texts(rows: Sequence[dict], key: str, index: np.ndarray) -> np.ndarray:
    return np.array([str(rows[i][key] or "") for i in index], dtype=object)


def _groups(names: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """(name, positions) per distinct name, in order of first appearance (the legend's)."""
    if not names.size:
        return []
    keys, first, inverse = np.unique(names.astype(str), return_index=True, return_inverse=True)
    order = np.argsort(first)
    return [(str(keys[k]), np.flatnonzero(inverse == k)) for k in order]


def deficit_figure(rows: Sequence[dict], color_by: str = "variant") -> dict:
    """Voc deficit against bandgap for every device, with the SQ deficit line and the radiative
    one (the SQ line shifted by the median radiative loss Voc,SQ - Voc,rad of the devices with
    an EQE); open markers are each device's own radiative deficit Eg - Voc,rad. Arrays
    throughout: at 10,000 devices, one pass per figure read, WebGL markers."""
    gap, deficit = _col(rows, "bandgap_ev"), _col(rows, "voc_deficit_v")
    at = np.flatnonzero(np.isfinite(gap) & np.isfinite(deficit) & (deficit != 0))
    if not at.size:
        return empty_figure(
            "No device with a bandgap and a J-V", GAP_TITLE, METRIC_TITLES["voc_deficit_v"]
        )
    voc_rad, sq_voc = _col(rows, "voc_rad_v")[at], _col(rows, "sq_voc_v")[at]
    gap, deficit = gap[at], deficit[at]
    if color_by == "variant":
        names = np.char.add(np.char.add(_texts(rows, "batch", at).astype(str), " "),
                            _texts(rows, "variant", at).astype(str))  # fmt: skip
    else:
        names = _texts(rows, color_by, at).astype(str)
    codes = np.array(safe_texts(_texts(rows, "device", at).tolist()), dtype=object)
    sources = np.array([rows[i].get("bandgap_source") or "" for i in at], dtype=object)
    groups = _groups(names)
    colors = palette.colors_for(name for name, _ in groups)
    marker_type = "scattergl" if at.size > MAX_POINTS else "scatter"
    data: list[dict] = []
    for name, mine in groups:
        data.append(
            {
                "type": marker_type,
                "mode": "markers",
                "name": safe_text(name),
                "legendgroup": safe_text(name),
                "x": json_floats(gap[mine]),
                "y": json_floats(deficit[mine]),
                "text": codes[mine].tolist(),
                "customdata": sources[mine].tolist(),
                "marker": {"color": colors[name], "size": 7, "opacity": 0.8},
                "hovertemplate": "%{text}<br>E<sub>g</sub> %{x:.3f} eV (%{customdata})"
                "<br>deficit %{y:.3f} V<extra></extra>",
            }
        )
        rad = mine[np.isfinite(voc_rad[mine])]
        if rad.size:
            data.append(
                {
                    "type": marker_type,
                    "mode": "markers",
                    "name": f"{safe_text(name)}: E<sub>g</sub> − V<sub>OC,rad</sub>",
                    "legendgroup": safe_text(name),
                    "showlegend": False,
                    "x": json_floats(gap[rad]),
                    "y": json_floats(gap[rad] - voc_rad[rad]),
                    "text": codes[rad].tolist(),
                    "marker": {"color": colors[name], "size": 8, "symbol": "circle-open"},
                    "hovertemplate": "%{text}: radiative deficit %{y:.3f} V<extra></extra>",
                }
            )
    x, sq_deficit = _sq_deficit_line(gap)
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": "SQ limit E<sub>g</sub> − V<sub>OC,SQ</sub>",
            "x": json_floats(x),
            "y": json_floats(sq_deficit),
            "line": {"color": palette.REFERENCE, "width": 2},
            "hoverinfo": "skip",
        }
    )
    rad_loss = (sq_voc - voc_rad)[np.isfinite(sq_voc) & np.isfinite(voc_rad)]
    if rad_loss.size:
        shift = float(np.median(rad_loss))
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"radiative limit (SQ + median {1000 * shift:.0f} mV, measured EQE edge)",
                "x": json_floats(x),
                "y": json_floats(sq_deficit + shift),
                "line": {"color": palette.REFERENCE, "width": 2, "dash": "dash"},
                "hoverinfo": "skip",
            }
        )
    layout = base_layout(
        xaxis=axis(GAP_TITLE), yaxis=axis(METRIC_TITLES["voc_deficit_v"], rangemode="tozero")
    )
    return figure(data, layout)


def _exciton_ev(row: dict) -> float | None:
    nm = row.get("absorbance_1s_nm")
    return HC_EV_NM / nm if nm else None


def _exciton_column(rows: Sequence[dict]) -> np.ndarray:
    nm = _col(rows, "absorbance_1s_nm")
    nm[nm == 0] = np.nan
    return HC_EV_NM / nm


def exciton_figure(rows: Sequence[dict]) -> dict:
    """PCE and Voc of every device against its synthesis's exciton energy (absorbance 1S),
    coloured by ligand recipe, with the median of each synthesis x recipe as a bar marker."""
    exciton, pce = _exciton_column(rows), _col(rows, "pce_percent")
    at = np.flatnonzero(np.isfinite(exciton) & np.isfinite(pce))
    if not at.size:
        return empty_figure(
            "No synthesis with a measured 1S and devices with a J-V", EXCITON_TITLE, PCE_TITLE
        )
    grid = PanelGrid(2, max_columns=2)
    layout = base_layout()
    exciton = exciton[at]
    recipes = np.array([str(rows[i]["recipe"] or "no recipe") for i in at], dtype=object)
    syntheses = _texts(rows, "synthesis", at)
    codes = np.array(
        safe_texts([f"{rows[i]['device']} ({rows[i]['synthesis']})" for i in at])
        if at.size <= MAX_POINTS
        else [],
        dtype=object,
    )
    groups = _groups(recipes)
    colors = palette.colors_for(name for name, _ in groups)
    data: list[dict] = []
    for index, (key, title) in enumerate(
        (("pce_percent", PCE_TITLE), ("voc_v", METRIC_TITLES["voc_v"]))
    ):
        values = _col(rows, key)[at]
        ids, _, _ = grid.place(layout, index, EXCITON_TITLE, "")
        layout[f"yaxis{'' if index == 0 else index + 1}"].pop("matches", None)
        layout[f"yaxis{'' if index == 0 else index + 1}"]["title"] = {"text": title}
        for rank, (recipe, mine) in enumerate(groups):
            # A small offset per recipe so two recipes on one synthesis sit side by side.
            offset = 0.006 * (rank - 0.5)
            if at.size <= MAX_POINTS:
                data.append(
                    {
                        "type": "scatter",
                        "mode": "markers",
                        "name": safe_text(recipe),
                        "legendgroup": safe_text(recipe),
                        "showlegend": index == 0,
                        "x": json_floats(exciton[mine] + offset),
                        "y": json_floats(values[mine]),
                        "text": codes[mine].tolist(),
                        "marker": {"color": colors[recipe], "size": 6, "opacity": 0.55},
                        "hovertemplate": "%{text}<br>%{y:.3f}<extra></extra>",
                        "xaxis": ids[0],
                        "yaxis": ids[1],
                    }
                )
            with_value = mine[np.isfinite(values[mine])]
            per_synthesis = _groups(syntheses[with_value])
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers+lines",
                    "name": f"{safe_text(recipe)} median",
                    "legendgroup": safe_text(recipe),
                    "showlegend": index == 0 and at.size > MAX_POINTS,
                    "x": json_floats(
                        [exciton[with_value[pos[0]]] + offset for _, pos in per_synthesis]
                    ),
                    "y": json_floats(
                        [float(np.median(values[with_value[pos]])) for _, pos in per_synthesis]
                    ),
                    "text": safe_texts([s for s, _ in per_synthesis]),
                    "marker": {
                        "color": colors[recipe],
                        "size": 16,
                        "symbol": "line-ew-open",
                        "line": {"width": 3, "color": colors[recipe]},
                    },
                    "line": {"color": colors[recipe], "width": 1, "dash": "dot"},
                    "hovertemplate": "%{text} median %{y:.3f}<extra></extra>",
                    "xaxis": ids[0],
                    "yaxis": ids[1],
                }
            )
    return figure(data, layout)


def overlay_figure(panels: Sequence[dict]) -> dict:
    """Per synthesis: a device's EQE over the solution (and film) absorbance, each scaled to
    its 1S, with the 1S positions marked. Panel: {"title", "eqe": {"label", "wavelength_nm",
    "eqe_fraction", "peak_nm"}, "absorbance": [{"label", "wavelength_nm", "absorbance",
    "peak_nm"}]}."""
    panels = [p for p in panels if p.get("eqe") or p.get("absorbance")]
    if not panels:
        return empty_figure("No EQE or absorbance spectra", "Wavelength (nm)", "Scaled to the 1S")
    grid = PanelGrid(len(panels), max_columns=2)
    layout = base_layout(
        shapes=[],
        annotations=[],
        margin={"l": 70, "r": 30, "t": 40, "b": 100},
        # Below the panels and their axis titles: above, it would cover the synthesis titles.
        legend={"orientation": "h", "x": 0, "y": 0.01, "yanchor": "bottom", "yref": "container"},
    )
    data: list[dict] = []
    styles = {
        "eqe": (palette.TARGET, "solid"),
        "solution": (palette.CONTROL, "dash"),
        "film": (palette.OTHERS[0], "dot"),
    }
    shown: set[str] = set()
    for index, panel in enumerate(panels):
        ids, x_domain, y_domain = grid.place(
            layout, index, "Wavelength (nm)", "Scaled to the 1S (a.u.)"
        )
        curves = []
        if panel.get("eqe"):
            curves.append(("eqe", panel["eqe"], "eqe_fraction"))
        for spec in panel.get("absorbance", []):
            curves.append((spec.get("kind", "solution"), spec, "absorbance"))
        for style, curve, key in curves:
            x, y = floats(curve["wavelength_nm"]), floats(curve[key])
            peak = curve.get("peak_nm")
            near = np.isfinite(y) & (np.abs(x - peak) <= 15) if peak else np.zeros(x.size, bool)
            scale = float(np.nanmax(y[near])) if near.any() else float(np.nanmax(y) or 1.0)
            color, dash = styles.get(style, (palette.REFERENCE, "solid"))
            legend = {
                "eqe": "EQE (device)",
                "solution": "absorbance (solution)",
                "film": "absorbance (film)",
            }[style]
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": legend,
                    "legendgroup": style,
                    "showlegend": style not in shown,
                    "x": json_floats(x),
                    "y": json_floats(y / scale if scale else y),
                    "line": {"color": color, "dash": dash, "width": 2},
                    "text": safe_text(curve.get("label", "")),
                    "hovertemplate": "%{text}<br>%{x:.0f} nm: %{y:.2f}<extra></extra>",
                    "xaxis": ids[0],
                    "yaxis": ids[1],
                }
            )
            shown.add(style)
            if peak:
                layout["shapes"].append(
                    {
                        "type": "line",
                        "xref": ids[0],
                        "yref": f"{ids[1]} domain",
                        "x0": peak,
                        "x1": peak,
                        "y0": 0,
                        "y1": 1,
                        "line": {"color": color, "dash": dash, "width": 1},
                    }
                )
        layout["annotations"].append(
            {
                "text": f"<b>{safe_text(panel.get('title', ''))}</b>",
                "xref": "paper",
                "yref": "paper",
                "x": x_domain[0],
                "y": y_domain[1],
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
            }
        )
        layout[f"xaxis{'' if index == 0 else index + 1}"]["range"] = panel.get(
            "range_nm", [700, 1400]
        )
        layout[f"yaxis{'' if index == 0 else index + 1}"]["range"] = [0, 1.6]
    layout["height"] = 340 * grid.rows + 100
    return figure(data, layout)


def gap_bin(row: dict) -> str | None:
    """The bandgap bin of a device: its synthesis's exciton energy (the dot size) if measured,
    else its own bandgap, floored to GAP_BIN_EV."""
    energy = _exciton_ev(row) or _get(row, "bandgap_ev")
    if energy is None:
        return None
    lo = np.floor(energy / GAP_BIN_EV + 1e-9) * GAP_BIN_EV
    return f"{lo:.2f}–{lo + GAP_BIN_EV:.2f} eV"


def _gap_bins(rows: Sequence[dict]) -> np.ndarray:
    """``gap_bin`` of every row at once (None where neither energy is known)."""
    energy = _exciton_column(rows)
    energy = np.where(np.isfinite(energy) & (energy != 0), energy, _col(rows, "bandgap_ev"))
    lo = np.floor(energy / GAP_BIN_EV + 1e-9) * GAP_BIN_EV
    labels = {v: f"{v:.2f}–{v + GAP_BIN_EV:.2f} eV" for v in np.unique(lo[np.isfinite(lo)])}
    return np.array([labels.get(v) for v in lo], dtype=object)


def recipe_gap_figure(rows: Sequence[dict], metric: str = "voc_deficit_v") -> dict:
    """Grouped violins: one group per bandgap bin (dot size), one violin per recipe in it, so
    a recipe is only ever compared with another on the same dots."""
    title = METRIC_TITLES.get(metric, metric)
    values, bins = _col(rows, metric), _gap_bins(rows)
    at = np.flatnonzero(np.isfinite(values) & (bins != None))  # noqa: E711 (element-wise)
    if not at.size:
        return empty_figure("No device with this figure and a bandgap", "Bandgap bin", title)
    values, bins = values[at], bins[at]
    recipes = np.array([str(rows[i]["recipe"] or "no recipe") for i in at], dtype=object)
    codes = np.array(safe_texts(_texts(rows, "device", at).tolist()), dtype=object)
    groups = _groups(recipes)
    colors = palette.colors_for(name for name, _ in groups)
    data = []
    for recipe, mine in groups:
        data.append(
            {
                "type": "violin",
                "name": safe_text(recipe),
                "legendgroup": safe_text(recipe),
                "x": bins[mine].tolist(),
                "y": json_floats(values[mine]),
                "text": codes[mine].tolist(),
                "box": {"visible": True},
                "meanline": {"visible": False},
                "points": "all" if at.size <= MAX_POINTS else "outliers",
                "pointpos": 0,
                "jitter": 0.3,
                "marker": {"size": 4, "opacity": 0.6},
                "line": {"color": colors[recipe]},
                "fillcolor": palette.rgba(colors[recipe], 0.25),
                "spanmode": "hard",
                "hovertemplate": "%{text}: %{y:.3f}<extra></extra>",
            }
        )
    layout = base_layout(
        violinmode="group",
        xaxis=axis(
            "Bandgap bin (synthesis 1S; devices of one dot size together)",
            categoryorder="array",
            categoryarray=sorted(set(bins.tolist())),
        ),
        yaxis=axis(title),
    )
    return figure(data, layout)
