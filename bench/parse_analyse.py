"""Section 1: parse + analyse per file and kind, beside the plain pandas/numpy script.

For every file: ``measurements.parsers.parse(bytes, filename)``, then the pure compute call(s)
of its kind with the arguments ``analysis/kinds/`` passes (no Django models), timed apart;
then, untimed in the total, the whole ``analysis.kinds.analyse_parsed`` (compute + to_dict +
down-sampled curves, what the worker stores) as "rows". The plain script runs on the same
bytes in the same loop, so both see the same caches.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from . import plain
from .common import median, ms, table, verdict
from .files import generate

SIZES = {
    "jv": 1000,
    "eqe": 200,
    "trpl": 200,
    "absorbance": 200,
    "mpp": 100,
    "intensity": 100,
    "tpv": 100,
    "pl": 100,
}
QUICK_SIZE = 50
JV_TARGET_MS = 2.0
# kind -> (figure compared with the plain script, how: "abs" difference or "rel" percent)
KEY_FIGURES = {
    "jv": ("pce_percent", "abs"),
    "eqe": ("integrated_jsc_ma_cm2", "abs"),
    "trpl": ("tau_avg_amplitude_ns", "rel"),
    "absorbance": ("exciton_peak_nm", "abs"),
}


def _irradiance(series, parsed) -> float | None:
    for value in (
        series.metadata.get("irradiance_mw_cm2"),
        parsed.metadata.get("irradiance_mw_cm2"),
    ):
        if isinstance(value, (int, float)) and value > 0:
            return float(value)
    return None


def _jv(parsed) -> list:
    from analysis import compute

    out = []
    for s in parsed.series:
        c = s.columns
        j = c.get("current_density_ma_cm2")
        if j is None:  # current only: the device area turns it into a density
            j = (
                c["current_a"]
                / float(s.metadata.get("area_cm2") or parsed.metadata["area_cm2"])
                * 1e3
            )
        r = compute.jv.analyse_jv(c["voltage_v"], j, _irradiance(s, parsed))
        theirs = s.metadata.get("instrument_figures")
        if theirs:
            compute.jv.compare_with_instrument(r.to_dict(), theirs)
        out.append(r)
    return out


def analyse(kind: str, parsed) -> list:
    """The pure compute call of each series, as ``analysis/kinds/`` makes it."""
    from analysis import compute

    if kind == "jv":
        return _jv(parsed)
    out = []
    for s in parsed.series:
        c = s.columns
        if kind == "eqe":
            out.append(compute.eqe.analyse_eqe(c["wavelength_nm"], c["eqe_fraction"]))
        elif kind == "mpp":
            out.append(
                compute.mpp.analyse_mpp(
                    c["time_s"],
                    power_mw_cm2=c.get("power_mw_cm2"),
                    voltage_v=c.get("voltage_v"),
                    current_density_ma_cm2=c.get("current_density_ma_cm2"),
                    irradiance_mw_cm2=_irradiance(s, parsed),
                )
            )
        elif kind == "intensity":
            temperature = parsed.metadata.get("temperature_c")
            out.append(
                compute.intensity.analyse_intensity(
                    c["intensity_mw_cm2"],
                    c["voc_v"],
                    c.get("jsc_ma_cm2"),
                    temperature_c=float(temperature) if temperature is not None else 25.0,
                )
            )
        elif kind == "trpl":
            out.append(compute.trpl.analyse_trpl(c["time_ns"], c["counts"]))
        elif kind == "tpv":
            out.append(compute.tpv.analyse_tpv(c["time_s"], c["voltage_v"]))
        elif kind == "absorbance":
            out.append(compute.absorbance.analyse_absorbance(c["wavelength_nm"], c["absorbance"]))
        elif kind == "pl":
            out.append(compute.pl.analyse_pl(c["wavelength_nm"], c["intensity"]))
        else:
            raise ValueError(f"no analysis for {kind}")
    return out


def _rows(parsed) -> None:
    from analysis.kinds import AnalysisContext, analyse_parsed

    analyse_parsed(parsed, AnalysisContext())


def _difference(kind: str, ours: list, theirs: dict | None) -> float | None:
    if kind not in KEY_FIGURES or not ours or theirs is None:
        return None
    name, how = KEY_FIGURES[kind]
    a, b = getattr(ours[0], name, None), theirs.get(name)
    if a is None or b is None or not np.isfinite(b):
        return None
    if how == "rel":
        return abs(a - b) / abs(a) * 100.0 if a else None
    return abs(a - b)


def bench_kind(kind: str, files: list) -> dict[str, Any]:
    # Overflow in exp() while a fit explores its bounds is expected; printing it would
    # flood the output and cost time the lab's worker does not spend on a terminal.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _bench_kind(kind, files)


def _bench_kind(kind: str, files: list) -> dict[str, Any]:
    from measurements.parsers import parse

    t: dict[str, list[int]] = {k: [] for k in ("parse", "analyse", "total", "rows")}
    p: dict[str, list[int]] = {k: [] for k in ("read", "compute", "total")}
    failed = {"ours": 0, "plain": 0}
    diffs: list[float] = []
    errors: list[str] = []
    has_plain = kind in plain.FIGURES
    # Warm-up, untimed: first calls import modules and fill caches (AM1.5G, templates).
    for f in files[:1]:
        try:
            _rows(parse(f.content, f.filename))
            if has_plain:
                plain.FIGURES[kind](*plain.read(f.content))
        except Exception:  # noqa: BLE001 - counted below, where it is timed
            pass
    for f in files:
        ours = []
        try:
            t0 = time.perf_counter_ns()
            parsed = parse(f.content, f.filename)
            t1 = time.perf_counter_ns()
            ours = analyse(kind, parsed)
            t2 = time.perf_counter_ns()
            _rows(parsed)
            t3 = time.perf_counter_ns()
        except Exception as exc:  # noqa: BLE001 - a benchmark reports failures, it does not stop
            failed["ours"] += 1
            errors.append(f"ours {f.filename}: {type(exc).__name__}: {exc}"[:200])
        else:
            t["parse"].append(t1 - t0)
            t["analyse"].append(t2 - t1)
            t["total"].append(t2 - t0)
            t["rows"].append(t3 - t2)
        if not has_plain:
            continue
        theirs = None
        try:
            t0 = time.perf_counter_ns()
            meta, frame = plain.read(f.content)
            t1 = time.perf_counter_ns()
            theirs = plain.FIGURES[kind](meta, frame)
            t2 = time.perf_counter_ns()
        except Exception as exc:  # noqa: BLE001 - the plain script fails on some files
            failed["plain"] += 1
            errors.append(f"plain {f.filename}: {type(exc).__name__}: {exc}"[:200])
        else:
            p["read"].append(t1 - t0)
            p["compute"].append(t2 - t1)
            p["total"].append(t2 - t0)
        diff = _difference(kind, ours, theirs)
        if diff is not None:
            diffs.append(diff)

    def stats(values):
        return {"median_ms": ms(values, 50), "p90_ms": ms(values, 90)}

    result = {
        "n": len(files),
        "ours": {k: stats(v) for k, v in t.items()},
        "failed": failed,
        "errors": errors[:10],
    }
    if has_plain:
        ours_med, plain_med = ms(t["total"], 50), ms(p["total"], 50)
        name, how = KEY_FIGURES[kind]
        result["plain"] = {k: stats(v) for k, v in p.items()}
        result["ratio_ours_plain"] = ours_med / plain_med if ours_med and plain_med else None
        result["agreement"] = {
            "figure": name,
            "how": "relative %" if how == "rel" else "absolute",
            "median_abs_difference": median(diffs),
            "p90_abs_difference": float(np.percentile(diffs, 90)) if diffs else None,
        }
    return result


def sizes(quick: bool) -> dict[str, int]:
    return {k: (QUICK_SIZE if quick else n) for k, n in SIZES.items()}


def run(quick: bool = False, counts: dict[str, int] | None = None) -> dict[str, Any]:
    counts = counts or sizes(quick)
    t0 = time.perf_counter()
    files = generate(counts, seed=11)
    generated_s = time.perf_counter() - t0
    kinds = {kind: bench_kind(kind, files[kind]) for kind in counts}
    jv = kinds.get("jv")
    targets = {}
    if jv:
        total = jv["ours"]["total"]["median_ms"]
        ratio = jv.get("ratio_ours_plain")
        targets = {
            "jv_median_below_2ms": {
                "value_ms": total,
                "ok": total is not None and total < JV_TARGET_MS,
            },
            "jv_not_slower_than_plain": {"ratio": ratio, "ok": ratio is not None and ratio <= 1.0},
        }
    return {"generated_files_s": generated_s, "kinds": kinds, "targets": targets}


def report(result: dict[str, Any]) -> str:
    kinds = result["kinds"]
    ours_rows, plain_rows = [], []
    for kind, r in kinds.items():
        o = r["ours"]
        ours_rows.append(
            [
                kind,
                r["n"],
                o["parse"]["median_ms"],
                o["parse"]["p90_ms"],
                o["analyse"]["median_ms"],
                o["analyse"]["p90_ms"],
                o["total"]["median_ms"],
                o["total"]["p90_ms"],
                o["rows"]["median_ms"],
                r["failed"]["ours"],
            ]
        )
        if "plain" in r:
            pl, ag = r["plain"], r["agreement"]
            unit = "%" if ag["how"].startswith("relative") else ""
            diff = ag["median_abs_difference"]
            plain_rows.append(
                [
                    kind,
                    r["n"],
                    pl["read"]["median_ms"],
                    pl["compute"]["median_ms"],
                    pl["total"]["median_ms"],
                    pl["total"]["p90_ms"],
                    o["total"]["median_ms"],
                    r["ratio_ours_plain"],
                    r["failed"]["plain"],
                    ag["figure"],
                    "-" if diff is None else f"{diff:.3g}{unit}",
                ]
            )
    parts = [
        table(
            "1a. parse + analyse per file, cqdlab (ms; 'rows' = analysis.kinds incl. to_dict and "
            "curves, not in total)",
            [
                "kind",
                "files",
                "parse med",
                "parse p90",
                "analyse med",
                "analyse p90",
                "total med",
                "total p90",
                "rows med",
                "failed",
            ],
            ours_rows,
        ),
        "",
        table(
            "1b. the plain script (pandas.read_csv + numpy/scipy) on the same files (ms)",
            [
                "kind",
                "files",
                "read med",
                "compute med",
                "total med",
                "total p90",
                "ours med",
                "ours/plain",
                "failed",
                "figure compared",
                "median |diff|",
            ],
            plain_rows,
        ),
    ]
    targets = result.get("targets") or {}
    if targets:
        a, b = targets["jv_median_below_2ms"], targets["jv_not_slower_than_plain"]
        parts += [
            "",
            f"target: J-V parse+analyse median < {JV_TARGET_MS:g} ms: "
            f"{verdict(a['ok'])} ({a['value_ms']:.3f} ms)",
            f"target: J-V no slower than plain: {verdict(b['ok'])} (ours/plain = {b['ratio']:.2f})"
            if b["ratio"] is not None
            else "target: J-V no slower than plain: n/a",
        ]
    errors = [e for r in kinds.values() for e in r["errors"][:2]]
    if errors:
        parts += ["", "first failures:", *(f"  {e}" for e in errors)]
    parts.append(f"(files generated in {result['generated_files_s']:.1f} s, not timed)")
    return "\n".join(parts)
