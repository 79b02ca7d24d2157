"""What moves a device metric across batches: permutation importance of a gradient-boosted model.

The model (scikit-learn's HistGradientBoostingRegressor, which takes missing values and text
categories as they come) is cross-validated with folds grouped by batch, so a device is only
ever predicted by a model that saw none of its batch: a parameter that merely labels a batch
cannot look predictive. Each parameter is then shuffled ``N_REPEATS`` times across all
held-out devices (each still predicted by its own fold's model) and its importance is the rise
of the held-out mean squared error, as a fraction of the metric's variance (0.3: shuffling it
loses the model 30 % of the variance). This is sklearn's ``permutation_importance`` computed
over the pooled held-out predictions rather than fold by fold: with a handful of batches a fold
holds one or two of them, and within one batch a batch-level parameter (anneal temperature,
humidity) is constant, so shuffling it inside the fold could never show its effect.

Importance and interval are taken over batch means (the devices of a batch are not independent;
a bootstrap over eight batches proved anti-conservative: a quarter of pure-noise projects showed
a parameter standing out), with a t interval Bonferroni-corrected for the number of parameters,
so that among ten noise parameters the chance that any one "stands out" stays near 5 % rather
than 40 %. A parameter stands out only
when its lower bound is above zero; pure noise answers ``ranked`` with the summary "no
parameter stands out".

Below ``MIN_BATCHES`` batches or ``MIN_DEVICES`` devices the answer is ``not_enough_data``:
with three batches there are three folds and three batch means, too few to tell a
parameter from noise, so a ranking would present noise as insight.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import GroupKFold
from threadpoolctl import threadpool_limits

MIN_BATCHES = 4
MIN_DEVICES = 30
MAX_FOLDS = 5
N_REPEATS = 5
CONFIDENCE = 0.95

RANKED = "ranked"
NOT_ENOUGH_DATA = "not_enough_data"


@dataclass
class ParameterImportance:
    name: str
    importance: float
    ci_low: float
    ci_high: float

    @property
    def stands_out(self) -> bool:
        return self.ci_low > 0


@dataclass
class ImportanceAnswer:
    verdict: str
    summary: str
    model: str
    method: str
    n_devices: int
    n_batches: int
    parameters: list[ParameterImportance] = field(default_factory=list)


METHOD = (
    f"permutation importance on held-out batches (GroupKFold by batch, up to {MAX_FOLDS} folds; "
    f"each parameter shuffled {N_REPEATS} times across the held-out devices): rise of the mean "
    f"squared error as a fraction of the metric's variance; {CONFIDENCE:.0%} t intervals over "
    "batch means, Bonferroni-corrected across parameters; a "
    "parameter stands out when its lower bound is above 0"
)


def _features(frame: pd.DataFrame, parameters: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Parameters that vary, text ones as categories (the model splits on them natively)."""
    kept = []
    columns = {}
    for name in parameters:
        column = frame[name]
        if column.nunique(dropna=True) < 2:
            continue  # a constant (or empty) parameter cannot move anything
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            columns[name] = column.astype(float)
        else:
            columns[name] = column.astype("category")
        kept.append(name)
    return pd.DataFrame(columns, index=frame.index), kept


def _model(seed: int) -> HistGradientBoostingRegressor:
    # Shallow trees, strong leaf minimum: a lab's few hundred devices do not support more, and
    # a model that memorises noise gives noise importances.
    return HistGradientBoostingRegressor(
        max_iter=100,
        learning_rate=0.1,
        max_depth=3,
        min_samples_leaf=10,
        categorical_features="from_dtype",
        random_state=seed,
    )


def _held_out_loss_rises(
    x: pd.DataFrame, y: np.ndarray, groups: pd.Series, names: list[str], seed: int
) -> np.ndarray:
    """Per parameter and device: how much the squared error of the device's held-out
    prediction rises when the parameter is shuffled (mean over ``N_REPEATS`` shuffles)."""
    folds = list(GroupKFold(n_splits=min(MAX_FOLDS, groups.nunique())).split(x, y, groups))
    models = [_model(seed).fit(x.iloc[train], y[train]) for train, _ in folds]

    def held_out(frame: pd.DataFrame) -> np.ndarray:
        predicted = np.empty(len(y))
        for model, (_, test) in zip(models, folds, strict=True):
            predicted[test] = model.predict(frame.iloc[test])
        return predicted

    base = (y - held_out(x)) ** 2
    rng = np.random.default_rng(seed)
    rises = np.zeros((len(names), len(y)))
    for j, name in enumerate(names):
        for _ in range(N_REPEATS):
            shuffled = x.copy()
            # Shuffled across all held-out devices, not within one fold: a fold may hold a
            # single batch, inside which a batch-level parameter (anneal, humidity) is constant.
            shuffled[name] = x[name].iloc[rng.permutation(len(y))].set_axis(x.index)
            rises[j] += (y - held_out(shuffled)) ** 2 - base
    return rises / N_REPEATS


def _batch_interval(
    rises: np.ndarray, groups: pd.Series, n_parameters: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean rise over batch means, and its t interval (the batch is the unit: its devices are
    not independent), Bonferroni-corrected across parameters."""
    codes, labels = pd.factorize(groups)
    sums = np.zeros((rises.shape[0], len(labels)))
    np.add.at(sums.T, codes, rises.T)
    batch_means = sums / np.bincount(codes, minlength=len(labels))
    k = len(labels)
    alpha = (1 - CONFIDENCE) / n_parameters
    half = stats.t.ppf(1 - alpha / 2, k - 1) * batch_means.std(axis=1, ddof=1) / np.sqrt(k)
    centre = batch_means.mean(axis=1)
    return centre, centre - half, centre + half


def rank_parameters(
    frame: pd.DataFrame, value: str, group: str, parameters: list[str], seed: int = 0
) -> ImportanceAnswer:
    """Rank ``parameters`` by how much ``value`` depends on them across ``group`` (the batch)."""
    data = frame.dropna(subset=[value, group]).reset_index(drop=True)
    n, n_batches = len(data), int(data[group].nunique())
    x, names = _features(data, parameters)
    model_text = (
        f"HistGradientBoostingRegressor of {value} on {len(names)} parameters; "
        f"N = {n} devices in {n_batches} batches"
    )
    answer = ImportanceAnswer(NOT_ENOUGH_DATA, "", model_text, METHOD, n, n_batches)
    if n_batches < MIN_BATCHES or n < MIN_DEVICES or not names:
        answer.summary = (
            f"not enough data: {n} devices in {n_batches} batches with {len(names)} varying "
            f"parameters; a ranking needs at least {MIN_DEVICES} devices in {MIN_BATCHES} "
            "batches, else it would show noise as insight"
        )
        return answer

    y = data[value].to_numpy(dtype=float)
    # One thread: on a lab's few hundred devices OpenMP start-up cost six times the work.
    with threadpool_limits(limits=1):
        losses = _held_out_loss_rises(x, y, data[group], names, seed)
    importance, low, high = _batch_interval(losses / np.var(y), data[group], len(names))
    ranked = [
        ParameterImportance(name, float(m), float(lo), float(hi))
        for name, m, lo, hi in zip(names, importance, low, high, strict=True)
    ]
    ranked.sort(key=lambda p: -p.importance)
    standing = [p.name for p in ranked if p.stands_out]
    answer.verdict = RANKED
    answer.parameters = ranked
    answer.summary = f"stands out: {', '.join(standing)}" if standing else "no parameter stands out"
    return answer
