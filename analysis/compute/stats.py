"""Batch statistics, group comparisons and the device exclusion rule.

Pixels on one substrate share its films, so they are not independent: by default groups are
compared on substrate means (``compare_units``), or with a mixed model whose random effect is
the substrate; a test on pixels is offered but labelled optimistic. Several pairwise tests are
Holm-corrected together (``holm``), and p-values are written as a scientist would
(``format_p``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as st
from statsmodels.regression.mixed_linear_model import MixedLM
from statsmodels.tools.sm_exceptions import ConvergenceWarning

INDEPENDENCE_NOTE = (
    "pixels on one substrate are not independent: compare substrate means "
    "(substrate_means) or use a mixed model with the substrate as group"
)
# What a test compares, default first. Pixels on one substrate are not independent: a test on
# pixels finds a difference in about 40 % of experiments without one (5 substrates x 6 pixels,
# tests/compute/test_false_positive_rate.py).
UNITS = {
    "substrate": "substrate means",
    "mixed": "a mixed model (substrate as random effect)",
    "device": "devices (pixels: optimistic, they are not independent)",
}
DEFAULT_UNIT = "substrate"
# Below this a p-value is written as "< 1e-4": more digits claim a precision no lab test has.
P_FLOOR = 1e-4


def _floats(values: Any) -> np.ndarray:
    """A float array with NaN for None (numpy converts None itself for a float dtype)."""
    return np.asarray(values, dtype=float)


def _clean(values: Any) -> np.ndarray:
    a = _floats(np.ravel(values))
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


def _spread(a: np.ndarray) -> bool:
    """Whether values differ by more than rounding (means of equal pixels may not be equal
    to the last bit)."""
    return bool(np.ptp(a) > 1e-12 * max(1.0, float(np.abs(a).max())))


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
    # Two groups without spread have no Welch test (scipy answers NaN with a warning). One
    # without spread is fine (a rounded export reads the same for every pixel): scipy's
    # warning about it says nothing the numbers do not.
    if x.size >= 2 and y.size >= 2 and (_spread(x) or _spread(y)):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Precision loss occurred")
            t = st.ttest_ind(x, y, equal_var=False, alternative="two-sided")
        out.update(welch_t=float(t.statistic), welch_p=float(t.pvalue), welch_df=float(t.df))
    if x.size >= 1 and y.size >= 1:
        u = st.mannwhitneyu(x, y, alternative="two-sided", method="auto")
        out.update(mannwhitney_u=float(u.statistic), mannwhitney_p=float(u.pvalue))
    return out


def format_p(p: float | None) -> str:
    """A p-value as a scientist writes it: two significant digits, "< 1e-4" below that, "–"
    when there is none."""
    if p is None or not math.isfinite(p):
        return "–"
    if p < P_FLOOR:
        return f"< {P_FLOOR:.0e}".replace("e-0", "e-")
    return f"{p:#.2g}"


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm-adjusted p-values of one family of tests (None stays None and is not counted).

    The i-th smallest of m p-values times (m - i + 1), kept monotone, at most 1 (Holm 1979;
    statsmodels' multipletests gives the same numbers but collects garbage on every call, a
    tenth of a second a page).
    """
    present = [i for i, p in enumerate(pvalues) if p is not None and math.isfinite(p)]
    out: list[float | None] = [None] * len(pvalues)
    if present:
        p = np.array([pvalues[i] for i in present], dtype=float)
        order = np.argsort(p, kind="stable")
        scaled = (p.size - np.arange(p.size)) * p[order]
        adjusted = np.empty(p.size)
        adjusted[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
        for i, q in zip(present, adjusted.tolist(), strict=True):
            out[i] = q
    return out


def mixed_model_test(values: Any, in_b: Any, substrate_ids: Any) -> dict[str, Any]:
    """Group B - group A with the substrate as random intercept (statsmodels' MixedLM, REML).

    The p-value is a t-test of the effect over its standard error with the between-substrate
    degrees of freedom (substrates - 2): statsmodels' Wald z assumes many substrates and, with
    five per group, finds differences that are not there. None with fewer than two substrates
    in a group, or when the fit fails. ``mixed_converged`` is False when statsmodels warned
    about convergence (the p-value is then shown but not to be trusted).
    """
    y = np.asarray(values, dtype=float)
    b = np.asarray(in_b, dtype=bool)
    subs = np.asarray(substrate_ids)
    out: dict[str, Any] = dict.fromkeys(("mixed_effect", "mixed_se", "mixed_df", "mixed_p"))
    if min(np.unique(subs[b]).size, np.unique(subs[~b]).size) < 2:
        return out | {"mixed_converged": None}
    exog = np.column_stack([np.ones(y.size), b.astype(float)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = MixedLM(y, exog, groups=subs).fit(reml=True)
        except (np.linalg.LinAlgError, ValueError):
            return out | {"mixed_converged": False}
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    effect, se = float(fit.params[1]), float(fit.bse[1])
    df = np.unique(subs).size - 2
    p = float(2 * st.t.sf(abs(effect / se), df)) if se > 0 else math.nan
    return {
        "mixed_effect": effect,
        "mixed_se": se,
        "mixed_df": df,
        "mixed_p": p if math.isfinite(p) else None,
        "mixed_converged": bool(fit.converged) and not warned,
    }


@dataclass(frozen=True)
class UnitSample:
    """One group's finite values ready for a test on ``per`` (UNITS): ``tested`` holds the
    substrate means or the pixels; both Ns are kept."""

    per: str
    tested: np.ndarray
    pixels: np.ndarray
    substrates: np.ndarray  # per pixel
    n_substrates: int


def unit_sample(values: Any, substrate_ids: Any, per: str = DEFAULT_UNIT) -> UnitSample:
    """A group's values as a test on ``per`` sees them (``compare_samples``)."""
    if per not in UNITS:
        raise ValueError(f"per must be one of {', '.join(UNITS)}, not {per!r}")
    v = _floats(np.ravel(values))
    ids = np.asarray(list(substrate_ids))
    if ids.size != v.size:
        raise ValueError("values and substrate_ids differ in length")
    keep = np.isfinite(v)
    pixels, subs = v[keep], ids[keep]
    means = substrate_means(pixels, subs)
    tested = pixels if per == "device" else np.asarray(means["mean"], dtype=float)
    return UnitSample(per, tested, pixels, subs, len(means["mean"]))


def compare_samples(a: UnitSample, b: UnitSample) -> dict[str, Any]:
    """``compare_groups`` of two unit samples, with both Ns (and the mixed model for
    "mixed")."""
    if a.per != b.per:
        raise ValueError("both samples must be prepared for the same test")
    out = compare_groups(a.tested, b.tested)
    out.update(
        per=a.per,
        n_devices_a=int(a.pixels.size),
        n_devices_b=int(b.pixels.size),
        n_substrates_a=a.n_substrates,
        n_substrates_b=b.n_substrates,
    )
    if a.per == "mixed":
        out.update(
            mixed_model_test(
                np.concatenate([a.pixels, b.pixels]),
                np.r_[np.zeros(a.pixels.size, bool), np.ones(b.pixels.size, bool)],
                # Substrate ids are unique across groups; tagged all the same, in case not.
                [f"a{x}" for x in a.substrates.tolist()] + [f"b{x}" for x in b.substrates.tolist()],
            )
        )
    return out


def compare_units(
    values_a: Any,
    substrates_a: Any,
    values_b: Any,
    substrates_b: Any,
    per: str = DEFAULT_UNIT,
) -> dict[str, Any]:
    """``compare_groups`` on the unit ``per`` names (UNITS), with both Ns.

    "substrate" (default): each substrate's mean is one value; "mixed": those tests plus a
    mixed model over the pixels (``mixed_model_test``); "device": every pixel is one value.
    ``n_a``/``n_b`` count the values tested, ``n_devices_*`` and ``n_substrates_*`` both.
    """
    return compare_samples(
        unit_sample(values_a, substrates_a, per), unit_sample(values_b, substrates_b, per)
    )


def substrate_means(values: Any, substrate_ids: Any) -> dict[str, list[Any]]:
    """Mean per substrate (the independent unit), in order of first appearance."""
    vals = _floats(values)
    ids = np.asarray(list(substrate_ids))
    if ids.size != vals.size:
        raise ValueError("values and substrate_ids differ in length")
    finite = np.isfinite(vals)
    if not finite.any():
        return {"substrate_ids": [], "mean": [], "n_pixels": []}
    unique, first, inverse = np.unique(ids[finite], return_index=True, return_inverse=True)
    sums = np.bincount(inverse, weights=vals[finite])
    counts = np.bincount(inverse)
    order = np.argsort(first, kind="stable")
    return {
        "substrate_ids": unique[order].tolist(),
        "mean": (sums[order] / counts[order]).tolist(),
        "n_pixels": counts[order].tolist(),
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
    # The limits behind the J-V analysis's own "shorted" flag (it is set when a curve is
    # analysed, compute.jv): here only to say what the flag means.
    flag_max_ff: float | None = None
    flag_max_rsh_ohm_cm2: float | None = None
    flag_min_voc_v: float | None = None

    def rules(self) -> list[str]:
        """The rule in words, in the order it is checked (the first that applies names the
        reason)."""
        limits = [
            f"FF ≤ {self.flag_max_ff:g}" if self.flag_max_ff is not None else "",
            f"apparent Rsh < {self.flag_max_rsh_ohm_cm2:g} Ω cm²"
            if self.flag_max_rsh_ohm_cm2 is not None
            else "",
            f"Voc < {self.flag_min_voc_v:g} V" if self.flag_min_voc_v is not None else "",
        ]
        said = ", ".join(x for x in limits if x)
        rules = [
            "the J-V analysis flagged the curve shorted" + (f" ({said})" if said else ""),
            "the J-V analysis found no Voc crossing (open)",
            "no Voc (open)",
            f"no Jsc, or Jsc below {self.open_jsc_fraction:.0%} of its batch's median (open)",
            f"FF ≤ {self.shorted_ff:g} (shorted)",
            f"Voc below {self.shorted_voc_fraction:.0%} of its batch's median (shorted)",
        ]
        if self.shorted_rsh_ohm_cm2 is not None:
            rules.append(f"apparent Rsh below {self.shorted_rsh_ohm_cm2:g} Ω cm² (shorted)")
        return rules

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
