"""Batch statistics, group comparisons and the device exclusion rule."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as st

INDEPENDENCE_NOTE = (
    "pixels on one substrate are not independent: compare substrate means "
    "(substrate_means) or use a mixed model with the substrate as group"
)


def _clean(values: Any) -> np.ndarray:
    a = np.asarray([np.nan if v is None else v for v in np.ravel(values)], dtype=float)
    return a[np.isfinite(a)]


def summarise(values: Any) -> dict[str, float | int | None]:
    """n, mean, sample std (ddof=1), median, quartiles, min and max of the finite values."""
    a = _clean(values)
    if a.size == 0:
        return dict.fromkeys(("mean", "std", "median", "q1", "q3", "min", "max"), None) | {"n": 0}
    q1, med, q3 = np.percentile(a, [25, 50, 75])
    return {
        "n": int(a.size),
        "mean": float(a.mean()),
        "std": float(a.std(ddof=1)) if a.size > 1 else None,
        "median": float(med),
        "q1": float(q1),
        "q3": float(q3),
        "min": float(a.min()),
        "max": float(a.max()),
    }


def hedges_g(a: Any, b: Any) -> float | None:
    """Standardised mean difference (a - b) with the small-sample correction."""
    x, y = _clean(a), _clean(b)
    na, nb = x.size, y.size
    if na < 2 or nb < 2:
        return None
    sp = math.sqrt(((na - 1) * x.var(ddof=1) + (nb - 1) * y.var(ddof=1)) / (na + nb - 2))
    if sp == 0:
        return None
    d = (x.mean() - y.mean()) / sp
    return float(d * (1 - 3 / (4 * (na + nb) - 9)))


def compare_groups(a: Any, b: Any) -> dict[str, Any]:
    """Welch t-test, Mann-Whitney U (two-sided) and Hedges' g for two groups of values."""
    x, y = _clean(a), _clean(b)
    out: dict[str, Any] = {
        "n_a": int(x.size), "n_b": int(y.size),
        "mean_a": float(x.mean()) if x.size else None,
        "mean_b": float(y.mean()) if y.size else None,
        "welch_t": None, "welch_p": None, "welch_df": None,
        "mannwhitney_u": None, "mannwhitney_p": None,
        "hedges_g": hedges_g(x, y), "note": INDEPENDENCE_NOTE,
    }  # fmt: skip
    if x.size >= 2 and y.size >= 2:
        t = st.ttest_ind(x, y, equal_var=False, alternative="two-sided")
        out.update(welch_t=float(t.statistic), welch_p=float(t.pvalue), welch_df=float(t.df))
    if x.size >= 1 and y.size >= 1:
        u = st.mannwhitneyu(x, y, alternative="two-sided", method="auto")
        out.update(mannwhitney_u=float(u.statistic), mannwhitney_p=float(u.pvalue))
    return out


def substrate_means(values: Any, substrate_ids: Any) -> dict[str, list[Any]]:
    """Mean per substrate (the independent unit), in order of first appearance."""
    vals = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    ids = list(substrate_ids)
    if len(ids) != vals.size:
        raise ValueError("values and substrate_ids differ in length")
    order: dict[Any, list[float]] = {}
    for sid, v in zip(ids, vals, strict=True):
        if np.isfinite(v):
            order.setdefault(sid, []).append(float(v))
    return {
        "substrate_ids": list(order),
        "mean": [float(np.mean(v)) for v in order.values()],
        "n_pixels": [len(v) for v in order.values()],
    }


# Analysis flags of a J-V curve that exclude its device, and the status they give: the analysis
# judged the curve itself (compute.jv, with the lab's FF and Rsh limits).
EXCLUDING_FLAGS = {"shorted": "shorted", "no_voc_crossing": "open"}


@dataclass(frozen=True)
class ExclusionThresholds:
    """Lab convention for excluding devices (configurable; reported with the counts)."""

    shorted_ff: float = 0.30  # FF <= this
    shorted_voc_fraction: float = 0.5  # Voc < this x batch median Voc
    shorted_rsh_ohm_cm2: float | None = None  # optional: apparent Rsh below this
    open_jsc_fraction: float = 0.2  # Jsc < this x batch median Jsc

    def outcomes(self) -> tuple[tuple[str, str], ...]:
        """(status, reason code) of each rule, in the order they are checked; 0 is "kept"."""
        return (
            ("ok", ""),
            *((status, flag) for flag, status in EXCLUDING_FLAGS.items()),
            ("open", "no_voc"),
            ("open", f"jsc_below_{self.open_jsc_fraction:.0%}_of_median"),
            ("shorted", f"ff_at_or_below_{self.shorted_ff}"),
            ("shorted", f"voc_below_{self.shorted_voc_fraction:.0%}_of_median"),
            ("shorted", f"rsh_below_{self.shorted_rsh_ohm_cm2}"),
        )


@dataclass(frozen=True)
class Classification:
    """Devices classified at once: ``rule`` per device indexes ``outcomes`` (0: kept)."""

    rule: np.ndarray
    outcomes: tuple[tuple[str, str], ...]

    @property
    def excluded(self) -> np.ndarray:
        return self.rule > 0

    def __getitem__(self, i: int) -> tuple[str, str]:
        return self.outcomes[int(self.rule[i])]


def _floats(values: Any) -> np.ndarray:
    return np.asarray([np.nan if v is None else v for v in values], dtype=float)


def _set(median: np.ndarray) -> np.ndarray:
    return np.isfinite(median) & (median != 0)


def _classify(
    voc: np.ndarray,
    jsc: np.ndarray,
    ff: np.ndarray,
    rsh: np.ndarray,
    flags: Sequence[Sequence[str]],
    median_voc: np.ndarray,
    median_jsc: np.ndarray,
    t: ExclusionThresholds,
) -> Classification:
    """The rule, once, for arrays of devices (NaN: no value)."""
    n = voc.size
    flagged = {f: np.zeros(n, dtype=bool) for f in EXCLUDING_FLAGS}
    for i, device_flags in enumerate(flags):
        if device_flags:  # most devices have none
            for f in EXCLUDING_FLAGS:
                flagged[f][i] = f in device_flags
    with np.errstate(invalid="ignore"):
        rules = [
            *flagged.values(),
            np.isnan(voc),
            np.isnan(jsc)
            | (_set(median_jsc) & (np.abs(jsc) < t.open_jsc_fraction * np.abs(median_jsc))),
            ff <= t.shorted_ff,
            _set(median_voc) & (voc < t.shorted_voc_fraction * median_voc),
            rsh < t.shorted_rsh_ohm_cm2
            if t.shorted_rsh_ohm_cm2 is not None
            else np.zeros(n, dtype=bool),
        ]
    rule = np.select(rules, np.arange(1, len(rules) + 1), default=0)
    return Classification(rule=rule, outcomes=t.outcomes())


def classify_device(
    jv: Mapping[str, Any],
    batch_median_voc: float | None,
    batch_median_jsc: float | None,
    thresholds: ExclusionThresholds = ExclusionThresholds(),
) -> tuple[str, str]:
    """('ok' | 'open' | 'shorted', reason code) for one J-V result dict.

    The analysis flags of the curve (EXCLUDING_FLAGS, the reason code is the flag) come
    first; then open: a device without photocurrent or without a Voc crossing has no
    meaningful FF; then shorted.
    """
    voc, jsc, ff, rsh, median_voc, median_jsc = (
        _floats([v])
        for v in (
            jv.get("voc_v"),
            jv.get("jsc_ma_cm2"),
            jv.get("ff"),
            jv.get("rsh_ohm_cm2"),
            batch_median_voc,
            batch_median_jsc,
        )
    )
    flags = [jv.get("flags") or ()]
    return _classify(voc, jsc, ff, rsh, flags, median_voc, median_jsc, thresholds)[0]


def batch_medians(values: np.ndarray, batch_ids: np.ndarray) -> np.ndarray:
    """Per device, the median of the finite values of its batch (NaN if there are none)."""
    out = np.full(values.size, np.nan)
    for batch in np.unique(batch_ids).tolist():
        members = batch_ids == batch
        finite = values[members]
        finite = finite[np.isfinite(finite)]
        if finite.size:
            out[members] = np.median(finite)
    return out


def classify_devices(
    voc: np.ndarray,
    jsc: np.ndarray,
    ff: np.ndarray,
    flags: Sequence[Sequence[str]],
    batch_ids: np.ndarray,
    thresholds: ExclusionThresholds = ExclusionThresholds(),
    rsh: np.ndarray | None = None,
) -> Classification:
    """``classify_device`` of every device at once (NaN: no value), each against the medians
    of its batch among the devices given."""
    return _classify(
        voc,
        jsc,
        ff,
        np.full(voc.size, np.nan) if rsh is None else rsh,
        flags,
        batch_medians(voc, batch_ids),
        batch_medians(jsc, batch_ids),
        thresholds,
    )
