"""What to make next: Bayesian optimisation over the parameters a person chooses.

A Gaussian process (scikit-learn's GaussianProcessRegressor; Matern 5/2 kernel with one length
scale per input, plus a white-noise term for the scatter between nominally equal variants) is
fitted to the variants already made: one observation per variant, its objective (mean PCE of
its devices, mean T80, or the spread of its substrate means). Continuous parameters are scaled
to [0, 1] over their bounds (widened to the observed values), categorical ones (ligand,
recipe family) one-hot encoded; parameters held fixed enter the model like the others and are
set to their fixed value in every proposal.

Proposals maximise expected improvement (EI) over the best observed value, among a seeded
scrambled-Sobol sample of the bounded space (every categorical combination drawn evenly). A
batch of N variants comes from the kriging-believer loop: after each pick the model is told
that the pick came out as it predicted (its mean), refitted with the same kernel, and EI is
recomputed, so the next pick goes elsewhere rather than next to the first. Each proposal
carries the predicted objective and its standard deviation (that of a new variant's mean,
noise included), the quantities the planned-versus-actual view later checks.

Pure: pandas and numpy in, dataclasses out; no database. Deterministic for a given seed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd
from scipy.stats import norm, qmc
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
from threadpoolctl import threadpool_limits

# Fewer observed variants than this and the surrogate is a guess: the answer says so.
MIN_OBSERVATIONS = 4
MAX_SUGGESTIONS = 24
CANDIDATES = 2048
# Objectives: name -> (what is observed per variant, maximise?).
MEAN = "mean"
T80 = "t80"
SPREAD = "spread"
OBJECTIVES = {
    MEAN: ("mean of the metric over the variant's devices", True),
    T80: ("mean T80 (h) over the variant's aged devices", True),
    SPREAD: ("standard deviation of the variant's substrate means (lower is better)", False),
}


@dataclass(frozen=True)
class Continuous:
    name: str
    low: float
    high: float
    integer: bool = False  # spin speeds, wash counts: proposals are rounded

    def __post_init__(self) -> None:
        if not np.isfinite(self.low) or not np.isfinite(self.high) or self.low > self.high:
            raise ValueError(f"{self.name}: bounds must be finite with low <= high")


@dataclass(frozen=True)
class Categorical:
    name: str
    choices: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.choices:
            raise ValueError(f"{self.name}: at least one choice is needed")


@dataclass(frozen=True)
class Space:
    continuous: tuple[Continuous, ...] = ()
    categorical: tuple[Categorical, ...] = ()
    # Held at one value in every proposal (a recipe family the lab keeps, a fixed anneal).
    fixed: tuple[tuple[str, float | str], ...] = ()

    @property
    def names(self) -> list[str]:
        return [
            *(c.name for c in self.continuous),
            *(c.name for c in self.categorical),
            *(name for name, _ in self.fixed),
        ]


@dataclass
class Proposal:
    values: dict[str, float | str]
    mean: float  # predicted objective of a variant made this way
    sd: float  # its standard deviation (model uncertainty and variant-to-variant noise)
    expected_improvement: float


@dataclass
class Suggestion:
    ok: bool
    summary: str
    model: str
    method: str
    n_observations: int
    best_observed: float | None
    maximise: bool
    proposals: list[Proposal] = field(default_factory=list)


METHOD = (
    "Gaussian process (Matern 5/2, one length scale per input, + white noise; REML-type "
    "marginal likelihood, 3 restarts) on one observation per variant; continuous inputs scaled "
    "to their bounds, categorical one-hot; expected improvement over the best observed value "
    f"among {CANDIDATES} scrambled-Sobol candidates; batches by kriging believer"
)


def objective_table(
    devices: pd.DataFrame, objective: str, value: str, parameters: list[str]
) -> pd.DataFrame:
    """One row per variant: its ``parameters`` (first device's values: a variant shares them)
    and ``y``, the objective observed on its devices' ``value`` (``t80_h`` for T80).

    ``spread`` needs two substrates with a value in the variant; a variant without any value
    is left out."""
    data = devices.dropna(subset=[value])
    if data.empty:
        return pd.DataFrame(columns=["variant", *parameters, "y", "n_devices"])
    grouped = data.groupby("variant", sort=True)
    rows = grouped[parameters].first() if parameters else pd.DataFrame(index=grouped.size().index)
    if objective == SPREAD:
        substrate_means = data.groupby(["variant", "substrate"])[value].mean()
        y = substrate_means.groupby(level=0).std(ddof=1)
    else:
        y = grouped[value].mean()
    rows["y"] = y
    rows["n_devices"] = grouped.size()
    return rows.dropna(subset=["y"]).reset_index()


class _Encoder:
    """Parameters to model inputs: continuous scaled to [0, 1], categorical one-hot."""

    def __init__(self, space: Space, observed: pd.DataFrame) -> None:
        self.space = space
        fixed = dict(space.fixed)
        self.scales: list[tuple[str, float, float]] = []
        self.levels: list[tuple[str, list[str]]] = []
        for c in space.continuous:
            column = pd.to_numeric(observed[c.name], errors="coerce")
            low = min(c.low, float(column.min())) if column.notna().any() else c.low
            high = max(c.high, float(column.max())) if column.notna().any() else c.high
            self.scales.append((c.name, low, high if high > low else low + 1.0))
        for c in space.categorical:
            seen = [str(v) for v in observed[c.name].dropna().unique()]
            self.levels.append((c.name, sorted(set(c.choices) | set(seen))))
        for name, value in fixed.items():
            if isinstance(value, str):
                seen = [str(v) for v in observed[name].dropna().unique()]
                self.levels.append((name, sorted({value, *seen})))
            else:
                column = pd.to_numeric(observed[name], errors="coerce")
                low = min(float(value), float(column.min())) if column.notna().any() else value
                high = max(float(value), float(column.max())) if column.notna().any() else value
                self.scales.append((name, float(low), float(high) if high > low else low + 1.0))

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        parts = []
        for name, low, high in self.scales:
            values = pd.to_numeric(frame[name]).to_numpy(float)
            parts.append(((values - low) / (high - low))[:, None])
        for name, levels in self.levels:
            text = frame[name].astype(str).to_numpy()
            parts.append(np.stack([(text == level).astype(float) for level in levels], axis=1))
        return np.hstack(parts) if parts else np.zeros((len(frame), 0))


def _candidates(space: Space, n: int, rng_seed: int) -> pd.DataFrame:
    """A scrambled-Sobol sample of the continuous box for every categorical combination (the
    combinations share the sample: each gets ``n`` / combinations points), fixed values set."""
    combinations = list(product(*(c.choices for c in space.categorical))) or [()]
    per = max(16, n // len(combinations))
    dims = len(space.continuous)
    if dims:
        sampler = qmc.Sobol(d=dims, scramble=True, seed=rng_seed)
        unit = sampler.random(int(2 ** np.ceil(np.log2(per))))[:per]
    else:
        unit = np.zeros((1, 0))
    frames = []
    for combo in combinations:
        frame = pd.DataFrame(index=range(len(unit)))
        for j, c in enumerate(space.continuous):
            values = c.low + unit[:, j] * (c.high - c.low)
            frame[c.name] = np.round(values) if c.integer else values
        for c, choice in zip(space.categorical, combo, strict=True):
            frame[c.name] = choice
        for name, value in space.fixed:
            frame[name] = value
        frames.append(frame)
    return pd.concat(frames, ignore_index=True).drop_duplicates(ignore_index=True)


def _kernel(dims: int):
    return ConstantKernel(1.0, (1e-2, 1e2)) * Matern(
        length_scale=np.full(max(dims, 1), 0.5), length_scale_bounds=(5e-2, 2e1), nu=2.5
    ) + WhiteKernel(1e-1, (1e-4, 1.0))


def _expected_improvement(mu: np.ndarray, sd: np.ndarray, best: float) -> np.ndarray:
    """EI for maximisation, in standardised units."""
    sd = np.maximum(sd, 1e-9)
    z = (mu - best) / sd
    return (mu - best) * norm.cdf(z) + sd * norm.pdf(z)


def suggest(
    observations: pd.DataFrame,
    space: Space,
    n: int,
    maximise: bool = True,
    seed: int = 0,
    candidates: int = CANDIDATES,
) -> Suggestion:
    """Propose ``n`` variants in ``space`` from ``observations`` (one row per variant: the
    space's parameter columns and ``y``, the objective)."""
    if not 1 <= n <= MAX_SUGGESTIONS:
        raise ValueError(f"between 1 and {MAX_SUGGESTIONS} variants can be proposed")
    names = space.names
    missing = [name for name in names if name not in observations]
    if missing:
        raise ValueError(f"no such parameter in the table: {', '.join(missing)}")
    data = observations.dropna(subset=[*names, "y"]).reset_index(drop=True)
    n_obs = len(data)
    answer = Suggestion(False, "", "", METHOD, n_obs, None, maximise)
    if n_obs < MIN_OBSERVATIONS:
        answer.summary = (
            f"not enough data: {n_obs} variants have the objective and every chosen parameter; "
            f"a surrogate model needs at least {MIN_OBSERVATIONS}"
        )
        return answer

    encoder = _Encoder(space, data)
    x = encoder.encode(data)
    y_raw = data["y"].to_numpy(float)
    sign = 1.0 if maximise else -1.0
    centre, scale = float(np.mean(sign * y_raw)), float(np.std(sign * y_raw)) or 1.0
    y = (sign * y_raw - centre) / scale
    pool = _candidates(space, candidates, seed)
    x_pool = encoder.encode(pool)

    # One thread (a few dozen points: start-up costs more than the work); the optimiser's
    # warnings about length scales at their bounds mean "this input does not matter", an answer.
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp = GaussianProcessRegressor(
            _kernel(x.shape[1]), normalize_y=False, n_restarts_optimizer=3, random_state=seed
        ).fit(x, y)
        kernel = gp.kernel_
        noise = float(kernel.k2.noise_level)
        best = float(y.max())
        chosen: list[int] = []
        x_train, y_train = x, y
        model = gp
        for _ in range(min(n, len(pool))):
            mu, sd = model.predict(x_pool, return_std=True)
            latent_sd = np.sqrt(np.maximum(sd**2 - noise, 1e-12))
            ei = _expected_improvement(mu, latent_sd, best)
            ei[chosen] = -np.inf
            pick = int(np.argmax(ei))
            chosen.append(pick)
            # Kriging believer: the pick is taken to come out as predicted.
            x_train = np.vstack([x_train, x_pool[pick : pick + 1]])
            y_train = np.append(y_train, mu[pick])
            model = GaussianProcessRegressor(kernel, optimizer=None, normalize_y=False)
            model.fit(x_train, y_train)

        # Reported figures come from the model fitted to real observations only.
        mu, sd = gp.predict(x_pool[chosen], return_std=True)
        ei_true = _expected_improvement(mu, np.sqrt(np.maximum(sd**2 - noise, 1e-12)), best)

    for k, pick in enumerate(chosen):
        row = pool.iloc[pick]
        values = {
            name: (str(row[name]) if isinstance(row[name], str) else float(row[name]))
            for name in names
        }
        answer.proposals.append(
            Proposal(
                values=values,
                mean=float(sign * (mu[k] * scale + centre)),
                sd=float(sd[k] * scale),
                expected_improvement=float(ei_true[k] * scale),
            )
        )
    answer.ok = True
    answer.best_observed = float(sign * (best * scale + centre))
    answer.model = f"GaussianProcessRegressor, kernel {kernel}; N = {n_obs} variants"
    answer.summary = (
        f"{len(answer.proposals)} variants proposed from {n_obs} observed; best observed "
        f"{answer.best_observed:.3g}"
    )
    return answer


def calibration(predicted: list[float], sds: list[float], measured: list[float]) -> dict:
    """How often measured values fell inside the predicted 68 % and 95 % intervals (a calibrated
    model: about 0.68 and 0.95), with the standardised errors' mean and N."""
    pairs = [
        (p, s, m)
        for p, s, m in zip(predicted, sds, measured, strict=True)
        if m is not None and np.isfinite(m) and s is not None and s > 0
    ]
    if not pairs:
        return {"n": 0, "within_68": None, "within_95": None, "mean_z": None}
    z = np.array([(m - p) / s for p, s, m in pairs])
    return {
        "n": len(pairs),
        "within_68": float(np.mean(np.abs(z) <= 1.0)),
        "within_95": float(np.mean(np.abs(z) <= 1.96)),
        "mean_z": float(np.mean(z)),
    }
