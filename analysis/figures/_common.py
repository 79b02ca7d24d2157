"""Shared plumbing: JSON-safe arrays, axis styling and the figure envelope.

Builders assemble plain dicts rather than `plotly.graph_objects` objects. Measured on the
distribution figure: passing the same dict through `go.Figure(...).to_plotly_json()` or
`json.loads(go.Figure(...).to_json())` costs 10x the time for 60 devices (0.4 ms -> 4-5 ms)
and 5x for 10,000 (12 ms -> 53-67 ms), because graph objects validate every element in Python;
building from numpy arrays instead ships base64 float64 that is 45 % larger than rounded lists.
Every builder's output is validated with `go.Figure(result)` in the tests instead.
"""

import datetime as dt
import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

from . import palette

FONT = "Arial, Helvetica, sans-serif"
# Enough digits for any axis the lab plots; more only inflates the page.
SIGNIFICANT_DIGITS = 6


def floats(values: Any) -> np.ndarray:
    """A float array; None becomes NaN so missing values survive as gaps, not errors."""
    return np.asarray(values if values is not None else [], dtype=float).ravel()


def json_floats(values: Any, digits: int = SIGNIFICANT_DIGITS) -> list[float | None]:
    """Round to significant digits and turn NaN/inf into None.

    JSON has no NaN: `json_script` would emit a bare NaN and the browser's JSON.parse would
    reject the whole page's data, so non-finite values must become null (a gap in plotly).
    """
    arr = floats(values)
    out = np.full(arr.shape, np.nan)
    finite = np.isfinite(arr)
    nonzero = finite & (arr != 0)
    out[finite & (arr == 0)] = 0.0
    if nonzero.any():
        exponents = np.floor(np.log10(np.abs(arr[nonzero]))).astype(int)
        values_nz = arr[nonzero]
        rounded = np.empty(exponents.shape)
        # np.round takes one `decimals` per call; an array spans only a handful of decades.
        for exponent in np.unique(exponents):
            sel = exponents == exponent
            decimals = digits - 1 - int(exponent)
            # 10**decimals overflows near the float limits; such values are kept as they are.
            tame = abs(decimals) < 290
            rounded[sel] = np.round(values_nz[sel], decimals) if tame else values_nz[sel]
        out[nonzero] = rounded
    listed = out.tolist()
    if finite.all():
        return listed
    return [v if ok else None for v, ok in zip(listed, finite.tolist(), strict=True)]


def json_strings(values: Iterable[Any] | None, n: int, default: str = "") -> list[str]:
    """Per-point strings (codes, urls, reasons); absent means `default` for every point.

    A list of the wrong length is refused: padding it would pin codes and urls to the wrong
    devices, which is worse than no figure.
    """
    listed = ["" if v is None else str(v) for v in (values if values is not None else [])]
    if not listed:
        return [default] * n
    if len(listed) != n:
        raise ValueError(f"expected {n} entries, got {len(listed)}")
    return [v or default for v in listed]


def safe_text(value: Any) -> str:
    """User text (a code, a file, variant or study name, a reason) as plotly must receive it to
    show it as typed.

    plotly.js reads a subset of HTML in every text it draws (trace names, legends, hover
    labels, tick labels, annotations): a variant named `<a href=...>` would become a live
    link. `<`, `>` and `&` become entities, which plotly shows as the characters. Builders
    escape user text once, here, and add their own markup (<sub>, <br>, <b>) around it.
    """
    return html.escape("" if value is None else str(value), quote=False)


def safe_texts(values: Sequence[str]) -> list[str]:
    """`safe_text` of each entry (per-point codes and reasons; urls stay as they are)."""
    return [html.escape(v, quote=False) for v in values]


def when(value: Any) -> str:
    """A timestamp as text for hover labels; datetimes are not JSON-serialisable."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def axis(title: str, **extra: Any) -> dict:
    """An axis in the lab's house style: framed, outside ticks, light grid."""
    return {
        "title": {"text": title},
        "showline": True,
        "linecolor": "#444",
        "mirror": True,
        "ticks": "outside",
        "gridcolor": "#ececec",
        "zeroline": False,
        "automargin": True,
        **extra,
    }


# Log axes labelled 10^1, 10^2 ... once a decade: plotly's default writes 2, 5, 20, 50 ... with
# "k" and "M" suffixes between them, which crowds a counts axis into noise.
LOG_AXIS = {"type": "log", "exponentformat": "power", "dtick": 1, "minor": {"ticks": "outside"}}


def base_layout(**extra: Any) -> dict:
    """Everything a page needs to look right, so no figure depends on `config` or a template."""
    return {
        "font": {"family": FONT, "size": 13, "color": "#222"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 70, "r": 30, "t": 50, "b": 60},
        "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        **extra,
    }


def figure(data: list[dict], layout: dict) -> dict:
    return {"data": data, "layout": layout}


def to_json(fig: dict) -> str:
    """The figure as JSON safe inside a <script> element, as ``json_script`` escapes it.

    No spaces after separators (about a tenth of the size), and <, > and & as \\u escapes so
    no text in a figure can close the element.
    """
    text = json.dumps(fig, default=_json_default, separators=(",", ":"))
    return text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")


def _json_default(value: Any) -> Any:
    """Dates as ISO text (as Django's encoder wrote them), other odd values as their text."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def empty_figure(message: str, x_title: str, y_title: str) -> dict:
    """A valid, labelled figure saying why it is empty, so a page never fails to render."""
    layout = base_layout(xaxis=axis(x_title), yaxis=axis(y_title))
    layout["annotations"] = [
        {
            "text": message,
            "xref": "paper",
            "yref": "paper",
            "x": 0.5,
            "y": 0.5,
            "showarrow": False,
            "font": {"size": 15, "color": palette.REFERENCE},
        }
    ]
    return figure([], layout)


def grid_domains(n: int, gap: float = 0.08) -> list[tuple[float, float]]:
    """Split [0, 1] into n equal domains separated by `gap`."""
    width = (1 - gap * (n - 1)) / n
    return [(round(i * (width + gap), 4), round(i * (width + gap) + width, 4)) for i in range(n)]


def band(
    name: str,
    group: str,
    x: Any,
    upper: Any,
    lower: Any,
    color: str,
    alpha: float,
    ids: tuple[str, str],
) -> dict:
    """A shaded band between `upper` and `lower` (spread, confidence), in the legend group of
    its curve, never hovered."""
    x = floats(x)
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": json_floats(np.concatenate([x, x[::-1]])),
        "y": json_floats(np.concatenate([floats(upper), floats(lower)[::-1]])),
        "fill": "toself",
        "fillcolor": palette.rgba(color, alpha),
        "line": {"width": 0},
        "hoverinfo": "skip",
        "legendgroup": group,
        "showlegend": False,
        "xaxis": ids[0],
        "yaxis": ids[1],
    }


def panel_title(
    text: str, x_domain: tuple[float, float], y_domain: tuple[float, float], size: int = 13
) -> dict:
    """A panel's title as a paper annotation centred above its axes (``text`` already safe)."""
    return {
        "text": text,
        "xref": "paper",
        "yref": "paper",
        "x": sum(x_domain) / 2,
        "y": y_domain[1],
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": size},
    }


@dataclass(frozen=True)
class PanelGrid:
    """Panels laid out `cols` to a row, every panel with its own axes and a y scale matched to
    the first one's (conditions are compared by eye: 80 % must sit at the same height)."""

    n: int
    max_columns: int = 3

    @property
    def cols(self) -> int:
        return max(1, min(self.n, self.max_columns))

    @property
    def rows(self) -> int:
        return -(-self.n // self.cols)

    def place(
        self, layout: dict, index: int, x_title: str, y_title: str, **first_y: Any
    ) -> tuple[tuple[str, str], tuple[float, float], tuple[float, float]]:
        """Write panel `index`'s axes into `layout`: (axis ids, x domain, y domain). The y
        title is written once per row: on matched axes it would run into the neighbour."""
        x_domain = grid_domains(self.cols, 0.06)[index % self.cols]
        y_domain = grid_domains(self.rows, 0.2)[::-1][index // self.cols]
        ids = axis_ids(index)
        y_extra = {"matches": "y"} if index else first_y
        layout[layout_key(ids[0])] = axis(x_title, domain=x_domain, anchor=ids[1])
        title = y_title if index % self.cols == 0 else ""
        layout[layout_key(ids[1])] = axis(title, domain=y_domain, anchor=ids[0], **y_extra)
        return ids, x_domain, y_domain


def axis_ids(index: int) -> tuple[str, str]:
    """Trace-side axis ids ("x", "x2", ...) for the subplot at 0-based `index`."""
    suffix = "" if index == 0 else str(index + 1)
    return f"x{suffix}", f"y{suffix}"


def layout_key(axis_id: str) -> str:
    """ "x2" -> "xaxis2": traces and layout name the same axis differently."""
    return f"{axis_id[0]}axis{axis_id[1:]}"


def group_key(item: dict, fallback: str = "label") -> str:
    """Curves of one variant share a colour: `group` if given, else the curve's own label."""
    return str(item.get("group") or item.get(fallback) or "")


def colors_by_group(items: Sequence[dict], fallback: str = "label") -> dict[str, str]:
    return palette.colors_for(group_key(item, fallback) for item in items)


def item_color(item: dict, colors: dict[str, str], fallback: str = "label") -> str:
    """The item's own "color" when the caller gave one (a page's stable variant colour), else
    its group's colour in this figure."""
    return str(item.get("color") or colors[group_key(item, fallback)])


def aligned(item: dict, x_key: str, y_key: str, *more: str) -> list[np.ndarray]:
    """The named arrays of one curve, refusing misaligned lengths rather than guessing."""
    arrays = [floats(item.get(key)) for key in (x_key, y_key, *more)]
    if len({a.size for a in arrays}) > 1:
        sizes = ", ".join(
            f"{k}={a.size}" for k, a in zip((x_key, y_key, *more), arrays, strict=True)
        )
        which = item.get("label") or item.get("code")
        raise ValueError(f"{which!r}: arrays differ in length ({sizes})")
    return arrays


def line(name: str, x: np.ndarray, y: np.ndarray, color: str, hovertemplate: str, **extra) -> dict:
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": json_floats(x),
        "y": json_floats(y),
        "line": {"color": color, "width": 2, **extra.pop("line", {})},
        "hovertemplate": hovertemplate,
        **extra,
    }
