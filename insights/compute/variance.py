"""Where the spread of a device metric comes from: a linear mixed model with variance components.

The model is ``metric ~ fixed factors + (1 | synthesis) + (1 | batch) + (1 | substrate) + e``,
fitted by REML with statsmodels' MixedLM. The random levels are declared as crossed variance
components of one all-device group, which also fits nested data (a substrate belongs to one
batch and one ink) because every label is unique. Each level's share is its variance over the
total; confidence intervals come from a parametric bootstrap (simulate from the fitted model,
refit, take the 2.5 and 97.5 percentiles): profile intervals of variance shares have no closed
form and statsmodels offers none for crossed components.

Lots "stand out" when their predicted effect (BLUP) exceeds ``OUTLIER_Z`` prediction standard
errors. BLUPs and their errors come from Henderson's mixed-model equations at the fitted
variances: small (fixed effects + groups) whatever the number of devices.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

LEVELS = ("synthesis", "batch", "substrate")
# Below this many devices the components are noise: the answer says so instead of a model.
MIN_DEVICES = 10
# A lot stands out when |BLUP| exceeds this many prediction standard errors (about 95 %).
OUTLIER_Z = 2.0
# Above this many devices the model is fitted on whole substrates drawn at random (seeded) until
# about this many devices: statsmodels' crossed-component REML grows with devices x groups squared
# (27 s a fit at 2,000 devices and 400 substrates, hours with its bootstrap at 10,000), and a few
# hundred substrates already pin the shares to the two digits a page shows. The model says so.
MAX_FIT_DEVICES = 300
# Bootstrap refits: enough for 95 % percentile bounds at the precision a page shows (two
# digits of a share), few enough to answer an API request in about a second.
DEFAULT_BOOTSTRAP = 40


@dataclass
class Component:
    level: str
    variance: float
    share: float
    ci_low: float
    ci_high: float


@dataclass
class OutlyingLot:
    synthesis: str
    effect: float  # the lot's predicted effect on the metric, in the metric's unit
    se: float  # its prediction standard error


@dataclass
class VarianceAttribution:
    n_devices: int
    fitted: bool
    model: str
    method: str
    components: list[Component] = field(default_factory=list)
    outlying_lots: list[OutlyingLot] = field(default_factory=list)


def _usable_levels(frame: pd.DataFrame, levels: tuple[str, ...]) -> list[str]:
    """Levels with at least two groups and fewer groups than devices (else not separable from
    the intercept or from the residual)."""
    usable = []
    for level in levels:
        if level not in frame:
            continue
        groups = frame[level].nunique()
        if 2 <= groups < len(frame):
            usable.append(level)
    return usable


def _confounded(frame: pd.DataFrame, levels: list[str]) -> dict[str, str]:
    """{level: the earlier level it duplicates}: two levels that group the devices identically
    (one lot per batch, say) cannot be told apart, and their joint fit is singular."""
    kept: list[str] = []
    dropped: dict[str, str] = {}
    for level in levels:
        twin = next(
            (
                other
                for other in kept
                if frame.groupby(other)[level].nunique().max() == 1
                and frame.groupby(level)[other].nunique().max() == 1
            ),
            None,
        )
        if twin is None:
            kept.append(level)
        else:
            dropped[level] = twin
    return dropped


def _fixed_formula(value: str, fixed: tuple[str, ...], frame: pd.DataFrame) -> str:
    terms = []
    for name in fixed:
        numeric = pd.api.types.is_numeric_dtype(frame[name])
        terms.append(f"Q('{name}')" if numeric else f"C(Q('{name}'))")
    return f"Q('{value}') ~ " + (" + ".join(terms) if terms else "1")


def _fit(frame: pd.DataFrame, formula: str, levels: list[str]):
    vc = {level: f"0 + C(Q('{level}'))" for level in levels}
    model = smf.mixedlm(formula, frame, groups=np.zeros(len(frame)), re_formula="0", vc_formula=vc)
    with warnings.catch_warnings():
        # Components on the boundary (a level without variance) are an answer, not a failure.
        warnings.simplefilter("ignore")
        # Gradient methods alone stop at a wrong optimum when a component sits on the boundary
        # (seen: a substrate variance of 3.1 in pure noise); Powell first finds the basin.
        result = model.fit(reml=True, method=["powell", "lbfgs"])
    variances = dict(zip(model.exog_vc.names, np.asarray(result.vcomp, dtype=float), strict=True))
    return model, result, {level: max(variances[level], 0.0) for level in levels}


def _shares(variances: dict[str, float], residual: float) -> dict[str, float]:
    total = sum(variances.values()) + residual
    shares = {level: v / total for level, v in variances.items()}
    shares["residual"] = residual / total
    return shares


def _design(frame: pd.DataFrame, levels: list[str]) -> dict[str, tuple[np.ndarray, list[str]]]:
    """{level: (group index per device, group labels)}."""
    out = {}
    for level in levels:
        codes, labels = pd.factorize(frame[level].astype(str), sort=True)
        out[level] = (codes, list(labels))
    return out


def _blups(
    y: np.ndarray,
    x: np.ndarray,
    design: dict[str, tuple[np.ndarray, list[str]]],
    variances: dict[str, float],
    residual: float,
    level: str,
) -> tuple[np.ndarray, np.ndarray]:
    """The level's BLUPs and prediction standard errors (Henderson's equations)."""
    n = len(y)
    blocks, penalties = [], []
    for name, (codes, labels) in design.items():
        z = np.zeros((n, len(labels)))
        z[np.arange(n), codes] = 1.0
        blocks.append(z)
        # A variance on the boundary shrinks its effects to zero; a tiny floor keeps C regular.
        penalties.append(np.full(len(labels), residual / max(variances[name], residual * 1e-9)))
    z = np.hstack(blocks)
    p = x.shape[1]
    c = np.block([[x.T @ x, x.T @ z], [z.T @ x, z.T @ z + np.diag(np.concatenate(penalties))]])
    rhs = np.concatenate([x.T @ y, z.T @ y])
    c_inv = np.linalg.pinv(c)
    solution = c_inv @ rhs
    start = p + sum(len(design[name][1]) for name in list(design)[: list(design).index(level)])
    stop = start + len(design[level][1])
    pev = np.clip(np.diag(c_inv)[start:stop] * residual, 0.0, None)
    return solution[start:stop], np.sqrt(pev)


def _simulate(
    rng: np.random.Generator,
    mean: np.ndarray,
    design: dict[str, tuple[np.ndarray, list[str]]],
    variances: dict[str, float],
    residual: float,
) -> np.ndarray:
    y = mean + rng.normal(0.0, np.sqrt(residual), size=mean.size)
    for level, (codes, labels) in design.items():
        y = y + rng.normal(0.0, np.sqrt(variances[level]), size=len(labels))[codes]
    return y


def attribute_variance(
    frame: pd.DataFrame,
    value: str,
    levels: tuple[str, ...] = LEVELS,
    fixed: tuple[str, ...] = (),
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
    max_devices: int | None = MAX_FIT_DEVICES,
) -> VarianceAttribution:
    """Shares of ``value``'s variance per level in ``frame`` (one row per device), with 95 %
    parametric-bootstrap intervals, and the synthesis lots whose effect stands out."""
    data = frame.dropna(subset=[value, *[c for c in (*levels, *fixed) if c in frame]])
    data = data.reset_index(drop=True)
    n_all = len(data)
    sampled = ""
    if max_devices and n_all > max_devices and "substrate" in data:
        substrates = np.sort(data["substrate"].astype(str).unique())
        wanted = max(2, int(round(max_devices * len(substrates) / n_all)))
        if wanted < len(substrates):
            chosen = np.random.default_rng(seed).choice(substrates, size=wanted, replace=False)
            data = data[data["substrate"].astype(str).isin(chosen)].reset_index(drop=True)
            sampled = (
                f"; fitted on {len(data)} of the {n_all} devices: {wanted} of "
                f"{len(substrates)} substrates drawn at random (seeded)"
            )
    n = len(data)
    used = _usable_levels(data, levels)
    method = (
        f"REML; 95 % intervals: parametric bootstrap, {n_bootstrap} refits, percentiles; "
        f"lots stand out when |BLUP| > {OUTLIER_Z:g} prediction SE"
    )
    if n < MIN_DEVICES or not used:
        reason = (
            f"not fitted: {n} devices with a value (at least {MIN_DEVICES} needed)"
            if n < MIN_DEVICES
            else "not fitted: no level has two or more groups"
        )
        return VarianceAttribution(n_devices=n, fitted=False, model=reason, method=method)

    confounded = _confounded(data, used)
    used = [level for level in used if level not in confounded]
    formula = _fixed_formula(value, fixed, data)
    try:
        model, result, variances = _fit(data, formula, used)
    except (np.linalg.LinAlgError, ValueError) as exc:
        # A singular information matrix is the data's answer (levels that cannot be told
        # apart), so it is said as such rather than raised as a page error.
        reason = f"not fitted: the model is singular on these devices ({exc})"
        return VarianceAttribution(n_devices=n_all, fitted=False, model=reason, method=method)
    residual = float(result.scale)
    shares = _shares(variances, residual)
    design = _design(data, used)
    x = np.asarray(model.exog, dtype=float)
    mean = x @ np.asarray(result.fe_params, dtype=float)

    rng = np.random.default_rng(seed)
    draws = {name: [] for name in shares}
    for _ in range(n_bootstrap):
        boot = data.copy()
        boot[value] = _simulate(rng, mean, design, variances, residual)
        try:
            _, boot_result, boot_variances = _fit(boot, formula, used)
        except (np.linalg.LinAlgError, ValueError):
            continue  # a refit that does not converge is left out of the percentiles
        for name, share in _shares(boot_variances, float(boot_result.scale)).items():
            draws[name].append(share)

    components = []
    for name in (*used, "residual"):
        low, high = np.percentile(draws[name], [2.5, 97.5]) if draws[name] else (np.nan, np.nan)
        variance = residual if name == "residual" else variances[name]
        components.append(Component(name, variance, shares[name], float(low), float(high)))

    outlying = []
    if "synthesis" in used and variances["synthesis"] > 1e-9 * residual:
        y = data[value].to_numpy(dtype=float)
        effects, ses = _blups(y, x, design, variances, residual, "synthesis")
        for label, effect, se in zip(design["synthesis"][1], effects, ses, strict=True):
            if se > 0 and abs(effect) > OUTLIER_Z * se:
                outlying.append(OutlyingLot(label, float(effect), float(se)))
        outlying.sort(key=lambda lot: -abs(lot.effect))

    left_out = [level for level in levels if level not in used and level not in confounded]
    fixed_text = " + ".join(fixed) if fixed else "1"
    random_text = " + ".join(f"(1 | {level})" for level in used)
    model_text = (
        f"{value} ~ {fixed_text} + {random_text}; linear mixed model, N = {n} devices{sampled}"
    )
    if left_out:
        model_text += (
            f"; left out (fewer than two groups, or one per device): {', '.join(left_out)}"
        )
    if confounded:
        pairs = ", ".join(f"{level} (same groups as {twin})" for level, twin in confounded.items())
        model_text += f"; left out as indistinguishable: {pairs}"
    return VarianceAttribution(
        n_devices=n_all,
        fitted=True,
        model=model_text,
        method=method,
        components=components,
        outlying_lots=outlying,
    )
