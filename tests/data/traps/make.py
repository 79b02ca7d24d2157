"""Remake the trap files in this folder, and truth.json.

    .venv/bin/python tests/data/traps/make.py

Each file is a way a real file misleads a naive reader (README.md lists them); each says in
its own header (or, in JSON, its "note") what the right answer is. Deterministic (fixed seeds,
fixed dates): running it again rewrites the same bytes. numpy only, no cqdlab code, so the files
do not depend on the code they test.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
VT = 0.025693  # kT/q at 298.15 K, V
SUN = 100.0  # mW/cm2


# --- one-diode J-V -------------------------------------------------------------------------


def one_diode(v: np.ndarray, jph: float, j0: float, n: float, rs: float, rsh: float) -> np.ndarray:
    """J (mA/cm2, generator convention: > 0 in the power quadrant) of a one-diode cell.

    jph and j0 in mA/cm2, rs and rsh in ohm cm2. Solved by bisection (the residual falls
    monotonically with J), which needs nothing beyond numpy.
    """
    v = np.asarray(v, dtype=float)
    lo = np.full_like(v, -1e4)
    hi = np.full_like(v, 1e4)
    for _ in range(200):
        j = (lo + hi) / 2
        vd = v + j * 1e-3 * rs  # diode voltage: J in A/cm2 times ohm cm2
        residual = jph - j0 * np.expm1(np.minimum(vd / (n * VT), 700)) - vd / rsh * 1e3 - j
        lo = np.where(residual > 0, j, lo)
        hi = np.where(residual > 0, hi, j)
    return (lo + hi) / 2


def figures(params: dict, irradiance: float = SUN) -> dict:
    """Voc, Jsc, FF, PCE of the noise-free curve on a dense grid."""
    v = np.linspace(-0.2, 1.2, 14001)
    j = one_diode(v, **params)
    jsc = float(np.interp(0.0, v, j))
    voc = float(np.interp(0.0, -j, v))  # j falls with v
    p = v * j
    pmax = float(p[(v >= 0) & (v <= voc)].max())
    return {
        "voc_v": round(voc, 5),
        "jsc_ma_cm2": round(jsc, 4),
        "ff": round(pmax / (voc * jsc), 4),
        "pce_percent": round(100 * pmax / irradiance, 4),
        "pmax_mw_cm2": round(pmax, 4),
    }


REV = {"jph": 24.0, "j0": 2e-7, "n": 1.6, "rs": 3.0, "rsh": 900.0}
FWD = {"jph": 23.6, "j0": 6e-7, "n": 1.6, "rs": 5.0, "rsh": 600.0}  # some hysteresis


def noisy(j: np.ndarray, rng: np.random.Generator, sigma: float = 0.01) -> np.ndarray:
    return j + rng.normal(0.0, sigma, j.size)


def fmt(x: float) -> str:
    return f"{x:.6g}"


# --- 1. one voltage column for four curves --------------------------------------------------


def shared_voltage(rng: np.random.Generator) -> dict:
    v = np.round(np.arange(0.85, -0.1001, -0.01), 4)  # stored high to low for every curve
    curves = {
        "J px1 rev (mA/cm2)": REV,
        "J px1 fwd (mA/cm2)": FWD,
        "J px2 rev (mA/cm2)": {**REV, "jph": 23.0},
        "J px2 fwd (mA/cm2)": {**FWD, "jph": 22.6},
    }
    lines = [
        "# TRAP: four curves written against ONE shared voltage column.",
        "# Pixels 1 and 2 were each measured reverse (0.85 V down to -0.1 V) and then forward",
        "# (-0.1 V up to 0.85 V). The logger re-sorted every curve onto the reverse scan's",
        "# descending voltage column, so the stored order says 'reverse' for all four.",
        "# RIGHT ANSWER - the column names tell the direction: 'px1 rev' and 'px2 rev' are",
        "# reverse scans, 'px1 fwd' and 'px2 fwd' are forward scans; pixels are 1 and 2.",
        "Sample: TRAP-SHARED",
        "Area (cm2): 0.05",
        "Irradiance (mW/cm2): 100",
        "\t".join(["Voltage (V)", *curves]),
    ]
    # SMU (load) convention in the file: J < 0 in the power quadrant.
    data = [-noisy(one_diode(v, **p), rng) for p in curves.values()]
    for i, volt in enumerate(v):
        lines.append("\t".join([fmt(volt)] + [fmt(d[i]) for d in data]))
    write("shared_voltage_two_pixels.jv.txt", lines)
    return {
        "kind": "jv",
        "series": {
            name.split(" (")[0]: {
                "pixel": name.split()[1][2:],
                "scan_direction": "reverse" if " rev " in name else "forward",
                "seen_scan_direction": "reverse",
                "direction_layout_reliable": False,
                **figures(p),
            }
            for name, p in curves.items()
        },
    }


# --- IRIS-like JSON ------------------------------------------------------------------------


def iris_points(v_set: np.ndarray, params: dict, rng: np.random.Generator, area: float) -> list:
    j = -noisy(one_diode(v_set, **params), rng)  # the IRIS software's sign: J < 0 under light
    points = []
    for vs, jj in zip(v_set, j, strict=True):
        points.append(
            {
                "V_set [V]": round(float(vs), 4),
                "V_corr [V]": round(float(vs), 6),
                "I_corr [mA]": round(float(jj * area), 8),
                "J [mA/cm2]": round(float(jj), 6),
            }
        )
    return points


def iris_curve_parameters(params: dict, sweep: str, area: float, irradiance: float) -> dict:
    f = figures(params)
    return {
        "Voc [V]": f["voc_v"],
        "Jsc [mA/cm2]": -f["jsc_ma_cm2"],
        "FF [%]": round(100 * f["ff"], 3),
        "Eff [%]": f["pce_percent"],
        "p_mpp [mW/cm2]": f["pmax_mw_cm2"],
        "area [cm2]": area,
        "irradiance [mW/cm2]": irradiance,
        "light_intensity [%]": 100,
        "T_meas [°C]": 25.0,
        "sweep_mode": "Forward/Back",
        "sweep_sequence": sweep,
        "date": "14.03.2025",
        "time": "10:15:00",
    }


def iris_rev_ascending(rng: np.random.Generator) -> dict:
    v_set = np.round(np.arange(-0.2, 0.8001, 0.02), 4)  # every curve stored low to high
    area = 0.1
    data = []
    truth = {}
    for cell, shift in (("A", 0.0), ("B", -0.8)):
        for sweep, params in (("FWD", FWD), ("REV", REV)):
            p = {**params, "jph": params["jph"] + shift}
            data.append(
                {
                    "card": 0,
                    "channel": ord(cell) - ord("A"),
                    "direction": sweep,
                    "sample": "TRAP-IRIS",
                    "cell": cell,
                    "curve_parameters": iris_curve_parameters(p, sweep, area, 100.0),
                    "measurements": iris_points(v_set, p, rng, area),
                }
            )
            truth[f"{cell}_{sweep}"] = {
                "pixel": cell,
                "scan_direction": "reverse" if sweep == "REV" else "forward",
                "seen_scan_direction": "forward",
                "direction_layout_reliable": False,
                **figures(p),
            }
    document = {
        "note": (
            "TRAP: IRIS-style J-V export whose software stores EVERY curve with the voltage "
            "ascending (-0.2 V to 0.8 V), the REV sweeps included. RIGHT ANSWER: the 'direction' "
            "field is the truth: A_REV and B_REV are reverse scans, A_FWD and B_FWD forward."
        ),
        "parameters": {"irradiance": 100.0, "temperature": 25.0},
        "data": data,
    }
    write_json("iris_rev_stored_ascending.jv.json", document)
    return {"kind": "jv", "format": "iris-json", "series": truth}


def iris_new_generation(rng: np.random.Generator) -> dict:
    """Figures copied into every point, no per-curve parameter object."""
    v_set = np.round(np.arange(-0.2, 0.8001, 0.02), 4)
    area = 0.16
    data = []
    truth = {}
    for sweep, params in (("FWD", FWD), ("REV", REV)):
        figures_of_curve = iris_curve_parameters(params, sweep, area, 100.0)
        points = [{**point, **figures_of_curve} for point in iris_points(v_set, params, rng, area)]
        data.append(
            {
                "card": 0,
                "channel": 2,
                "direction": sweep,
                "sample": "TRAP-IRIS-NEW",
                "cell": "C",
                "measurements": points,
            }
        )
        f = figures(params)
        truth[f"C_{sweep}"] = {
            "pixel": "C",
            "scan_direction": "reverse" if sweep == "REV" else "forward",
            "instrument_figures": {
                "voc_v": f["voc_v"],
                "jsc_ma_cm2": f["jsc_ma_cm2"],
                "ff": f["ff"],
                "pce_percent": f["pce_percent"],
            },
            **f,
        }
    document = {
        "note": (
            "TRAP: the newer IRIS J-V JSON generation. There is no per-curve parameter object: "
            "the software copies the curve's figures (Voc, Jsc, FF, Eff, area, irradiance, "
            "sweep) into EVERY point. They are the same in every point; read them once. RIGHT "
            "ANSWER: two curves of cell C, C_FWD forward and C_REV reverse (both stored with V "
            "ascending), area 0.16 cm2, 100 mW/cm2, figures as in the points."
        ),
        "parameters": {"irradiance": 100.0, "temperature": 25.0, "spectrum": "am1.5g"},
        "data": data,
    }
    write_json("iris_figures_in_every_point.jv.json", document)
    return {"kind": "jv", "format": "iris-json", "series": truth}


def iris_irradiance_slip(rng: np.random.Generator) -> dict:
    v_set = np.round(np.arange(-0.2, 0.8001, 0.02), 4)
    area = 0.1
    data = []
    truth = {}
    for sweep, params in (("FWD", FWD), ("REV", REV)):
        cp = iris_curve_parameters(params, sweep, area, 35980)
        data.append(
            {
                "card": 0,
                "channel": 0,
                "direction": sweep,
                "sample": "TRAP-IRRADIANCE",
                "cell": "A",
                "curve_parameters": cp,
                "measurements": iris_points(v_set, params, rng, area),
            }
        )
        truth[f"A_{sweep}"] = {
            "scan_direction": "reverse" if sweep == "REV" else "forward",
            # At the default 100 mW/cm2 the analysis falls back to, flagged as assumed.
            **figures(params, SUN),
        }
    document = {
        "note": (
            "TRAP: the irradiance is written as 35980 (a raw reference-sensor reading, not "
            "mW/cm2; at 35980 mW/cm2 the PCE would be 0.03 %). The lamp was at one sun. RIGHT "
            "ANSWER: 35980 is not a plausible irradiance and must not be used; analyse at the "
            "default 100 mW/cm2 and flag the irradiance as assumed."
        ),
        "parameters": {"irradiance": 35980, "temperature": 25.0},
        "data": data,
    }
    write_json("irradiance_35980.jv.json", document)
    return {
        "kind": "jv",
        "format": "iris-json",
        "irradiance_raw": 35980,
        "irradiance_mw_cm2": None,
        "series": truth,
    }


# --- dark --------------------------------------------------------------------------------


def dark_leaky(rng: np.random.Generator) -> dict:
    v = np.round(np.arange(-0.5, 1.0001, 0.01), 4)
    stray = 0.35  # mA/cm2 of photocurrent from light leaking into the dark box
    params = {"jph": stray, "j0": 2e-7, "n": 1.6, "rs": 3.0, "rsh": 250.0}
    j = -noisy(one_diode(v, **params), rng, 0.002)
    lines = [
        "# TRAP: a DARK J-V curve (lamp off, shutter closed) of a shunted cell.",
        "# Light leaks into the dark box, so a small photocurrent flows: J(0 V) is about",
        "# -0.35 mA/cm2, more than a curve taken in the dark should show. It is still a dark",
        "# measurement: the label below is the truth, not the size of J(0).",
        "# RIGHT ANSWER: illumination = dark; a forward scan (-0.5 V to 1.0 V); no PCE.",
        "Sample: TRAP-DARK",
        "Illumination: dark",
        "Area (cm2): 0.05",
        "Voltage (V)\tCurrent density (mA/cm2)",
    ]
    lines += [f"{fmt(a)}\t{fmt(b)}" for a, b in zip(v, j, strict=True)]
    write("dark_leaky.jv.txt", lines)
    return {
        "kind": "jv",
        "series": {
            "TRAP-DARK": {
                "illumination": "dark",
                "scan_direction": "forward",
                "j_at_0v_ma_cm2": round(-float(one_diode(np.array([0.0]), **params)[0]), 4),
            }
        },
    }


# --- MPP ---------------------------------------------------------------------------------


def mpp_footers(rng: np.random.Generator) -> dict:
    tracks, rows, step = 12, 20, 0.5
    t = np.arange(tracks * rows) * step  # the run's own clock
    p_final = 8.9
    power = p_final * (1 - 0.3 * np.exp(-t / 6.0))  # start-up transient: warms up in ~20 s
    v = 0.452 + 0.004 * np.exp(-t / 6.0)
    power = power + rng.normal(0, 0.01, t.size)
    j = -power / v  # SMU sign
    lines = [
        "# TRAP: ONE maximum-power-point tracking run of pixel 3, 120 s long.",
        "# The logger writes it as 12 tracks of 10 s. After each track it prints a summary",
        "# (average PCE, track number) and the column names again, and each track's clock",
        "# restarts at 0 s. The first ~20 s are a start-up transient (power rises from 6.2",
        "# to 8.9 mW/cm2).",
        "# RIGHT ANSWER: one series of 240 points, time 0 to 119.5 s continuing across the",
        "# tracks; stabilised power over the last 60 s = 8.90 mW/cm2, PCE 8.90 % at 100 mW/cm2.",
        "Sample: TRAP-MPP",
        "Pixel: 3",
        "Area (cm2): 0.05",
        "Irradiance (mW/cm2): 100",
    ]
    for k in range(tracks):
        part = slice(k * rows, (k + 1) * rows)
        lines += ["", "Time (s)\tVoltage (V)\tCurrent density (mA/cm2)\tPower (mW/cm2)"]
        local = t[part] - t[part][0]  # the clock restarts
        for a, b, c, d in zip(local, v[part], j[part], power[part], strict=True):
            lines.append(f"{fmt(a)}\t{fmt(b)}\t{fmt(c)}\t{fmt(d)}")
        lines += [
            f"Average PCE (%): {np.mean(power[part]):.3f}",
            f"Average Voltage (V): {np.mean(v[part]):.4f}",
            f"Track: {k + 1} of {tracks}",
        ]
    write("mpp_footer_after_each_track.mpp.txt", lines)
    window = t >= t[-1] - 60
    return {
        "kind": "mpp",
        "points": int(t.size),
        "duration_s": float(t[-1]),
        "blocks": tracks,
        "pixel": "3",
        "stabilised_power_mw_cm2": round(
            float(np.mean(p_final * (1 - 0.3 * np.exp(-t[window] / 6.0)))), 3
        ),
    }


def aging_rack(rng: np.random.Generator) -> dict:
    start = datetime(2025, 1, 9, 17, 10, 21)
    step = timedelta(minutes=10)
    n = 7 * 24 * 6 + 1  # a week, a row every 10 minutes
    hours = np.arange(n) * step.total_seconds() / 3600
    # Burn-in, then a slow linear loss (analysis-methods 11): P0 (1 - A(1 - e^(-t/tau))) (1 - k t)
    p0, a, tau, k = 9.0, 0.12, 8.0, 1.2e-3
    model = p0 * (1 - a * (1 - np.exp(-hours / tau))) * (1 - k * hours)
    t80 = float(hours[np.flatnonzero(model < 0.8 * model[0])[0]])
    power = model + rng.normal(0, 0.02, n)
    v = 0.46 - 0.0002 * hours + rng.normal(0, 0.001, n)
    j = power / v
    lines = [
        "# TRAP: an aging-rack log of one cell held at its maximum power point for 7 days",
        "# (ISOS-L-1), one row every 10 minutes. Time is written twice and never as a number",
        "# of seconds: as an ISO date-time, and as the pandas duration since the start",
        "# (0 days 00:10:00 is ten minutes). RIGHT ANSWER: an MPP track (kind mpp) with time",
        "# in seconds from the first row: 0 s at 2025-01-09 17:10:21, 604800 s (168 h) at the",
        "# end; long enough to be an aging series. Power falls below 80 % of its start at "
        f"{t80:.1f} h.",
        "Timestamp,Duration,MPPT_V (V),MPPT_J (mA/cm2),MPPT_P (mW/cm2),MPPT_PCE (%),"
        "Irradiance (mW/cm2),T_cell (°C)",
    ]
    for i in range(n):
        elapsed = step * i
        days, rest = divmod(int(elapsed.total_seconds()), 86400)
        hh, rest = divmod(rest, 3600)
        mm, ss = divmod(rest, 60)
        lines.append(
            ",".join(
                [
                    (start + elapsed).strftime("%Y-%m-%d %H:%M:%S"),
                    f"{days} days {hh:02d}:{mm:02d}:{ss:02d}",
                    f"{v[i]:.4f}",
                    f"{j[i]:.4f}",
                    f"{power[i]:.4f}",
                    f"{power[i]:.4f}",  # at 100 mW/cm2, PCE (%) = P (mW/cm2)
                    "100.0",
                    f"{45 + 0.5 * np.sin(i / 20):.1f}",
                ]
            )
        )
    write("aging_rack_iso_timestamps.mpp.csv", lines)
    return {
        "kind": "mpp",
        "points": n,
        "duration_s": float((n - 1) * step.total_seconds()),
        "started_at": start.isoformat(),
        "t80_h_of_model": round(t80, 2),
        "model": {"p0_mw_cm2": p0, "burn_in_fraction": a, "burn_in_tau_h": tau, "k_per_h": k},
    }


# --- JSON tables -----------------------------------------------------------------------------


def json_tables(rng: np.random.Generator) -> dict:
    v = np.round(np.arange(0.86, -0.1001, -0.02), 4)
    j = -noisy(one_diode(v, **REV), rng)
    records = {
        "note": (
            "TRAP: a J-V table as JSON records. RIGHT ANSWER: one reverse scan (0.86 V down to "
            "-0.1 V) of pixel 4, sample TRAP-JSON-RECORDS, 0.05 cm2, 100 mW/cm2."
        ),
        "Sample": "TRAP-JSON-RECORDS",
        "Pixel": "px4",
        "Area (cm2)": 0.05,
        "Irradiance (mW/cm2)": 100,
        "data": [
            {"Voltage (V)": float(a), "Current density (mA/cm2)": round(float(b), 5)}
            for a, b in zip(v, j, strict=True)
        ],
    }
    write_json("jv_records.jv.json", records)
    up = v[::-1]
    j1 = -noisy(one_diode(up, **FWD), rng)
    j2 = -noisy(one_diode(up, **{**FWD, "jph": 22.0}), rng)
    columns = {
        "note": (
            "TRAP: J-V columns as JSON arrays, two pixels sharing one voltage column. RIGHT "
            "ANSWER: two forward scans (the header says so), pixels 1 and 2, sample "
            "TRAP-JSON-COLUMNS; the shared column cannot itself tell the direction."
        ),
        "Sample": "TRAP-JSON-COLUMNS",
        "Scan direction": "forward",
        "Area (cm2)": 0.05,
        "data": {
            "V (V)": [float(a) for a in up],
            "J pixel 1 (mA/cm2)": [round(float(b), 5) for b in j1],
            "J pixel 2 (mA/cm2)": [round(float(b), 5) for b in j2],
        },
    }
    write_json("jv_columns.jv.json", columns)
    return {
        "jv_records.jv.json": {
            "kind": "jv",
            "points": int(v.size),
            "series": {
                "TRAP-JSON-RECORDS": {"pixel": "4", "scan_direction": "reverse", **figures(REV)}
            },
        },
        "jv_columns.jv.json": {
            "kind": "jv",
            "points": int(v.size),
            "series": {
                "J pixel 1": {"pixel": "1", "scan_direction": "forward", **figures(FWD)},
                "J pixel 2": {
                    "pixel": "2",
                    "scan_direction": "forward",
                    **figures({**FWD, "jph": 22.0}),
                },
            },
        },
    }


# --- output --------------------------------------------------------------------------------


def write(name: str, lines: list[str]) -> None:
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_json(name: str, document: dict) -> None:
    (HERE / name).write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")


def main() -> None:
    rng = np.random.default_rng(20250312)
    truth = {
        "shared_voltage_two_pixels.jv.txt": shared_voltage(rng),
        "iris_rev_stored_ascending.jv.json": iris_rev_ascending(rng),
        "iris_figures_in_every_point.jv.json": iris_new_generation(rng),
        "irradiance_35980.jv.json": iris_irradiance_slip(rng),
        "dark_leaky.jv.txt": dark_leaky(rng),
        "mpp_footer_after_each_track.mpp.txt": mpp_footers(rng),
        "aging_rack_iso_timestamps.mpp.csv": aging_rack(rng),
        **json_tables(rng),
    }
    (HERE / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
