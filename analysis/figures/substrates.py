"""The substrate map: each substrate's pixels laid out as on the mask, coloured by PCE.

Input substrate: {"code": str, "group": str, "pixels": [{"pixel": "P3", "code", "url",
"pce": float | None, "excluded": bool}]}. The lab's mask (fabrication.models.PIXEL_LAYOUT) has
8 pixels in two rows of four: P1-P4 on the top row, P5-P8 below, left to right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from . import palette
from ._common import base_layout, empty_figure, figure, json_floats, safe_text

PIXELS_PER_ROW = 4
SUBSTRATES_PER_ROW = 6
# One substrate's cell: 4 pixel columns plus a gap, 2 pixel rows plus a gap and its label.
CELL_W, CELL_H = PIXELS_PER_ROW + 1.2, 2 + 1.4
PCE_SCALE = "Viridis"


def pixel_position(pixel: str) -> tuple[int, int] | None:
    """(column, row) of a pixel on the mask: P1 -> (0, 0) ... P8 -> (3, 1); None if unknown."""
    match = re.fullmatch(r"[Pp]?(\d+)", (pixel or "").strip())
    if not match or not 1 <= int(match.group(1)) <= 2 * PIXELS_PER_ROW:
        return None
    n = int(match.group(1)) - 1
    return n % PIXELS_PER_ROW, n // PIXELS_PER_ROW


def substrate_map(substrates: Sequence[dict]) -> dict:
    """Every substrate as a 4 x 2 block of pixels: filled by PCE (one colour scale for the
    batch), grey outlines for pixels without a result, an x over excluded ones."""
    if not substrates:
        return empty_figure("No substrates", "", "")
    x, y, pce, codes, urls, hover = [], [], [], [], [], []
    ex, ey, etext = [], [], []
    nx, ny, ntext = [], [], []
    notes = []
    for k, substrate in enumerate(substrates):
        ox = (k % SUBSTRATES_PER_ROW) * CELL_W
        oy = -(k // SUBSTRATES_PER_ROW) * CELL_H
        label = safe_text(substrate.get("code", ""))
        group = safe_text(substrate.get("group", ""))
        notes.append(
            {
                "text": f"<b>{label}</b><br>{group}",
                "x": ox + (PIXELS_PER_ROW - 1) / 2,
                "y": oy + 0.75,
                "xref": "x",
                "yref": "y",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11},
            }
        )
        for p in substrate.get("pixels", []):
            where = pixel_position(p.get("pixel", ""))
            if where is None:
                continue
            px, py = ox + where[0], oy - where[1]
            code = safe_text(p.get("code", ""))
            value = p.get("pce")
            if value is None:
                nx.append(px)
                ny.append(py)
                ntext.append(f"{code}<br>not measured")
                continue
            x.append(px)
            y.append(py)
            pce.append(value)
            codes.append(code)
            urls.append(str(p.get("url", "")))
            state = " (excluded)" if p.get("excluded") else ""
            hover.append(f"<b>{code}</b><br>PCE {value:.2f} %{state}")
            if p.get("excluded"):
                ex.append(px)
                ey.append(py)
                etext.append(f"{code}: excluded")
    data = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": "PCE (%)",
            "x": x,
            "y": y,
            "text": codes,
            "customdata": urls,
            "hovertext": hover,
            "hovertemplate": "%{hovertext}<extra></extra>",
            "marker": {
                "symbol": "square",
                "size": 22,
                "color": json_floats(pce),
                "colorscale": PCE_SCALE,
                "showscale": True,
                "colorbar": {"title": {"text": "PCE (%)"}, "thickness": 12},
                "line": {"color": "#444", "width": 1},
            },
            "showlegend": False,
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": "Not measured",
            "x": nx,
            "y": ny,
            "hovertext": ntext,
            "hovertemplate": "%{hovertext}<extra></extra>",
            "marker": {
                "symbol": "square-open",
                "size": 22,
                "color": palette.EXCLUDED,
                "line": {"width": 1.5},
            },
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": "Excluded",
            "x": ex,
            "y": ey,
            "hovertext": etext,
            "hovertemplate": "%{hovertext}<extra></extra>",
            "marker": {"symbol": "x-thin", "size": 16, "color": "#d00", "line": {"width": 2.5}},
        },
    ]
    rows = -(-len(substrates) // SUBSTRATES_PER_ROW)
    hidden = {"visible": False, "fixedrange": True}
    layout = base_layout(
        height=120 + 150 * rows,
        xaxis={**hidden, "range": [-0.8, SUBSTRATES_PER_ROW * CELL_W - 0.6]},
        yaxis={**hidden, "range": [-(rows - 1) * CELL_H - 1.8, 1.9], "scaleanchor": "x"},
        annotations=notes,
        legend={"orientation": "h", "x": 0, "y": -0.02, "yanchor": "top"},
    )
    layout["margin"] = {"l": 10, "r": 10, "t": 10, "b": 30}
    return figure(data, layout)
