"""The insights as plain data for the API, the page and its downloads: one function per
question, each with its numbers, the model and N, and what it means in words."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.dashboards import METRIC_LABELS

from .compute.importance import MIN_BATCHES, MIN_DEVICES, RANKED, rank_parameters
from .compute.partial_dependence import partial_dependence_curves
from .compute.variance import MIN_DEVICES as VARIANCE_MIN_DEVICES
from .compute.variance import attribute_variance
from .selectors import parameter_columns, unit_of

# How each variance level reads in a sentence.
LEVEL_WORDS = {
    "synthesis": "between synthesis lots",
    "batch": "between batches (of the same lot)",
    "substrate": "between substrates of the same batch",
    "residual": "between pixels of the same substrate",
}
METRIC_WORDS = {"pce_percent": "PCE", "voc_v": "Voc", "jsc_ma_cm2": "Jsc", "ff": "FF"}
METRIC_UNITS = {"pce_percent": "% (absolute)", "voc_v": "V", "jsc_ma_cm2": "mA/cm²", "ff": ""}
MAX_CURVES = 4
MINIMUMS = {
    "variance_devices": VARIANCE_MIN_DEVICES,
    "importance_devices": MIN_DEVICES,
    "importance_batches": MIN_BATCHES,
}


def _percent(share: float) -> str:
    return f"{100 * share:.0f} %" if share >= 0.01 or share == 0 else f"{100 * share:.1f} %"


def variance_report(table: pd.DataFrame, metric: str) -> dict[str, Any]:
    result = attribute_variance(table, metric)
    word = METRIC_WORDS[metric]
    sentences = []
    if not result.fitted:
        sentences.append(f"{word}: {result.model}.")
    for c in result.components:
        sentences.append(
            f"{_percent(c.share)} of {word} variance is {LEVEL_WORDS[c.level]} "
            f"(95 % interval {_percent(c.ci_low)} to {_percent(c.ci_high)})."
        )
    for lot in result.outlying_lots:
        side = "below" if lot.effect < 0 else "above"
        sentences.append(
            f"Lot {lot.synthesis}: {abs(lot.effect):.2g} {METRIC_UNITS[metric]} {side} the "
            f"others (± {lot.se:.2g}), beyond {2:g} prediction standard errors."
        )
    if not result.outlying_lots and any(c.level == "synthesis" for c in result.components):
        sentences.append("No synthesis lot stands out from the others.")
    return {
        "metric": metric,
        "n_devices": result.n_devices,
        "fitted": result.fitted,
        "components": [
            {"level": c.level, "share": c.share, "ci_low": c.ci_low, "ci_high": c.ci_high}
            for c in result.components
        ],
        "outlying_lots": [
            {"synthesis": lot.synthesis, "effect": lot.effect, "se": lot.se}
            for lot in result.outlying_lots
        ],
        "sentences": sentences,
        "model": result.model,
        "method": result.method,
    }


def importance_report(table: pd.DataFrame, metric: str) -> dict[str, Any]:
    result = rank_parameters(table, metric, "batch", parameter_columns(table))
    return {
        "metric": metric,
        "verdict": result.verdict,
        "n_devices": result.n_devices,
        "n_batches": result.n_batches,
        "parameters": [
            {
                "name": p.name,
                "unit": unit_of(p.name),
                "importance": p.importance,
                "ci_low": p.ci_low,
                "ci_high": p.ci_high,
                "stands_out": p.stands_out,
            }
            for p in result.parameters
        ],
        "summary": result.summary,
        "model": result.model,
        "method": result.method,
    }


def top_parameters(importance: dict[str, Any], limit: int = MAX_CURVES) -> list[str]:
    """The parameters that stand out, best first (none when the ranking found none)."""
    if importance["verdict"] != RANKED:
        return []
    return [p["name"] for p in importance["parameters"] if p["stands_out"]][:limit]


def partial_dependence_report(
    table: pd.DataFrame, metric: str, parameters: list[str]
) -> dict[str, Any]:
    answer = partial_dependence_curves(table, metric, "batch", parameter_columns(table), parameters)
    return {
        "metric": metric,
        "enough_data": answer.enough_data,
        "n_devices": answer.n_devices,
        "n_batches": answer.n_batches,
        "curves": [
            {
                "parameter": c.parameter,
                "unit": unit_of(c.parameter),
                "categorical": c.categorical,
                "x": c.x,
                "mean": c.mean,
                "low": c.low,
                "high": c.high,
            }
            for c in answer.curves
        ],
        "summary": answer.summary if parameters else "no parameter stands out: no curve to draw",
        "method": answer.method,
        "metric_label": METRIC_LABELS[metric],
    }


def parameter_units(table: pd.DataFrame) -> dict[str, str]:
    return {name: unit_of(name) for name in table.columns}


def round_json(round_) -> dict[str, Any]:
    """A suggestion round as the API and the page's download give it."""
    return {
        "id": round_.pk,
        "code": round_.code,
        "project": round_.project.code,
        "created_at": round_.created_at.isoformat(),
        "created_by": round_.created_by.username if round_.created_by else None,
        "metric": round_.metric,
        "objective": round_.objective,
        "maximise": round_.maximise,
        "space": round_.space,
        "n_observations": round_.n_observations,
        "best_observed": round_.best_observed,
        "model": round_.model,
        "method": round_.method,
        "summary": round_.summary,
        "batch": round_.batch.code if round_.batch else None,
        "proposals": [
            {
                "index": p.index,
                "values": p.values,
                "predicted_mean": p.predicted_mean,
                "predicted_sd": p.predicted_sd,
                "expected_improvement": p.expected_improvement,
                "variant": p.variant.code if p.variant else None,
            }
            for p in round_.proposals.all()
        ],
    }
