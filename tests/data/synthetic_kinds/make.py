"""Remake the C-V and TPC files of known answer in this folder, and truth.json.

    .venv/bin/python tests/data/synthetic_kinds/make.py

Deterministic (fixed seeds): running it again rewrites the same bytes. Physics and the true
values are described in README.md; numpy only, no cqdlab code, so the files do not depend on
the code they test.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
Q = 1.602176634e-19  # C
EPS0 = 8.8541878188e-12  # F/m
VT = 0.025693  # kT/q at 298.15 K, V


# --- C-V ----------------------------------------------------------------------------------


def depletion_junction(
    v: np.ndarray,
    vbi: float,
    doping_cm3: float,
    eps_r: float,
    area_cm2: float,
    thickness_nm: float | None,
    forward_fraction: float,
    forward_onset_v: float,
    forward_slope_v: float,
) -> np.ndarray:
    """Noise-free capacitance (F) of a one-sided abrupt junction plus a forward-bias part.

    Depletion: W = sqrt(2 eps phi / (q N)) with phi = V_bi - V, rounded off smoothly over a few
    kT/q near V_bi (softplus) so the curve stays finite there; capped at the film thickness
    (a thin film fully depleted in reverse bias: the geometric capacitance). Forward bias adds
    a chemical/diffusion capacitance growing exponentially, which bends 1/C^2 down well
    before V_bi as in real CQD cells. Far from V_bi, 1/C'^2 = 2 (V_bi - V)/(q eps N) exactly.
    """
    eps = eps_r * EPS0
    n = doping_cm3 * 1e6
    phi = VT * np.logaddexp(0.0, (vbi - v) / VT)
    w = np.sqrt(2 * eps * phi / (Q * n))
    if thickness_nm is not None:
        w = np.minimum(w, thickness_nm * 1e-9)
    c_dep = eps / w  # F/m2
    c_dep0 = eps / np.sqrt(2 * eps * vbi / (Q * n))
    c_fwd = forward_fraction * c_dep0 * np.exp((v - forward_onset_v) / forward_slope_v)
    return (c_dep + c_fwd) * area_cm2 * 1e-4


def cv_truth(dev: dict) -> dict:
    eps = dev["eps_r"] * EPS0
    w0 = np.sqrt(2 * eps * dev["vbi"] / (Q * dev["doping_cm3"] * 1e6))
    c0 = float(depletion_junction(np.array([0.0]), **_model(dev))[0])
    return {
        "kind": "cv",
        "vbi_v": dev["vbi"],
        "doping_cm3": dev["doping_cm3"],
        "carrier_type": "p",
        "relative_permittivity": dev["eps_r"],
        "area_cm2": dev["area_cm2"],
        "frequency_hz": dev["frequency_hz"],
        "depletion_width_0v_nm": float(w0 * 1e9),
        "capacitance_0v_nf": c0 * 1e9,
        "capacitance_0v_nf_cm2": c0 * 1e9 / dev["area_cm2"],
        "film_thickness_nm": dev["thickness_nm"],
        "noise_relative": dev["noise"],
    }


def _model(dev: dict) -> dict:
    keys = ("vbi", "doping_cm3", "eps_r", "area_cm2", "thickness_nm")
    out = {k: dev[k] for k in keys}
    out.update(
        forward_fraction=dev["forward_fraction"],
        forward_onset_v=dev["forward_onset_v"],
        forward_slope_v=dev["forward_slope_v"],
    )
    return out


def make_e4980(name: str, dev: dict, seed: int) -> dict:
    """Keysight E4980A-style CSV from a LabVIEW/pyvisa logger: Cp-D, bias list sweep."""
    v = np.round(np.arange(-1.0, 0.8 + 1e-9, 0.02), 10)
    rng = np.random.default_rng(seed)
    c = depletion_junction(v, **_model(dev)) * (1 + dev["noise"] * rng.normal(size=v.size))
    d = 0.008 + 0.02 * np.exp((v - 0.4) / 0.08) + 0.0005 * rng.normal(size=v.size)
    lines = [
        "Instrument,Keysight Technologies E4980A",
        "Function,Cp-D",
        f"Frequency,{dev['frequency_hz'] / 1e3:g} kHz",
        "Oscillator level,0.020 V",
        "Integration,MED",
        f"Area (cm2),{dev['area_cm2']}",
        "Sample,B3-S2-P4",
        "Date,2025-03-14",
        "",
        "Bias (V),Cp (F),D",
    ]
    lines += [f"{vi:.3f},{ci:.6e},{di:.5f}" for vi, ci, di in zip(v, c, d, strict=True)]
    (HERE / name).write_text("\r\n".join(lines) + "\r\n", encoding="utf-8", newline="")
    return cv_truth(dev)


def make_tab_nf(name: str, dev: dict, seed: int) -> dict:
    """Tab-separated V / C (nF) with a commented header (an HP 4284A LabVIEW export)."""
    v = np.round(np.arange(-1.5, 0.7 + 1e-9, 0.025), 10)
    rng = np.random.default_rng(seed)
    c = depletion_junction(v, **_model(dev)) * (1 + dev["noise"] * rng.normal(size=v.size))
    lines = [
        "# C-V sweep, HP 4284A, parallel mode (Cp)",
        f"# Frequency: {dev['frequency_hz']:g} Hz",
        "# AC amplitude: 20 mV",
        f"# Area: {dev['area_cm2']} cm2",
        "# Sample: B5-S1-P2",
        "V\tC (nF)",
    ]
    lines += [f"{vi:.3f}\t{ci * 1e9:.5f}" for vi, ci in zip(v, c, strict=True)]
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cv_truth(dev)


# --- TPC ----------------------------------------------------------------------------------


def photocurrent(t: np.ndarray, amplitude: float, tau: float, rise: float) -> np.ndarray:
    """Transient above the baseline: A (exp(-t/tau) - exp(-t/rise)) for t >= 0 (a pulse that
    rises with the laser and the RC of the circuit, then decays). Its integral is
    A (tau - rise), the extracted charge."""
    tt = np.clip(t, 0.0, None)
    return np.where(t >= 0, amplitude * (np.exp(-tt / tau) - np.exp(-tt / rise)), 0.0)


def tpc_truth(p: dict) -> dict:
    charge_nc = p["amplitude_a"] * (p["tau_s"] - p["rise_s"]) * 1e9
    return {
        "kind": "tpc",
        "tau_us": p["tau_s"] * 1e6,
        "rise_us": p["rise_s"] * 1e6,
        "amplitude_ua": p["amplitude_a"] * 1e6,
        "charge_nc": charge_nc,
        "area_cm2": p["area_cm2"],
        "charge_nc_cm2": charge_nc / p["area_cm2"],
        "baseline_current_ua": p["baseline_a"] * 1e6,
        "polarity": p["polarity"],
        "load_resistance_ohm": p.get("load_ohm"),
    }


def make_current_trace(name: str, p: dict, seed: int) -> dict:
    """A current amplifier read by a DAQ, in the load convention (photocurrent negative), with
    a steady bias-light current under the pulse."""
    t = np.round(np.arange(-2e-6, 18e-6 - 1e-12, 4e-9), 12)
    rng = np.random.default_rng(seed)
    sign = -1.0 if p["polarity"] == "negative" else 1.0
    i = p["baseline_a"] + sign * photocurrent(t, p["amplitude_a"], p["tau_s"], p["rise_s"])
    i += p["noise_a"] * rng.normal(size=t.size)
    lines = [
        "Sample: B3-S2-P4",
        f"Area (cm2): {p['area_cm2']}",
        "Bias light: white LED, 0.3 sun",
        "Pulse: 532 nm, 5 ns",
        "Amplifier: FEMTO DHPCA-100, 1e4 V/A",
        "",
        "Time (s)\tCurrent (A)",
    ]
    lines += [f"{ti:.4e}\t{ii:.5e}" for ti, ii in zip(t, i, strict=True)]
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tpc_truth(p)


def make_tektronix(name: str, p: dict, seed: int) -> dict:
    """A Tektronix MDO3000-series CSV export: the header block, then TIME,CH1 in volts across a
    50 ohm termination, 8-bit samples (25 levels per division)."""
    n, dt, t0 = 10000, 1e-9, -2e-6
    t = t0 + dt * np.arange(n)
    rng = np.random.default_rng(seed)
    i = photocurrent(t, p["amplitude_a"], p["tau_s"], p["rise_s"])
    v = p["scope_offset_v"] + i * p["load_ohm"] + p["noise_v"] * rng.normal(size=n)
    scale = 0.5e-3  # V/div
    v = np.round(v / (scale / 25)) * (scale / 25) + 0.0  # + 0.0: no "-0" in the file
    lines = [
        "Model,MDO3024",
        "Firmware Version,1.26",
        ",",
        "Waveform Type,ANALOG",
        "Point Format,Y",
        "Horizontal Units,s",
        "Horizontal Scale,1e-06",
        "Horizontal Delay,3e-06",
        f"Sample Interval,{dt:g}",
        f"Record Length,{n}",
        "Gating,0.0% to 100.0%",
        ",",
        "Probe Attenuation,1",
        "Vertical Units,V",
        "Vertical Offset,0",
        f"Vertical Scale,{scale:g}",
        "Vertical Position,-3",
        ",",
        ",",
        ",",
        "Label,",
        "TIME,CH1",
    ]
    lines += [f"{ti:.7e},{vi:.5e}" for ti, vi in zip(t, v, strict=True)]
    (HERE / name).write_text("\r\n".join(lines) + "\r\n", encoding="utf-8", newline="")
    truth = tpc_truth(p)
    truth["baseline_current_ua"] = p["scope_offset_v"] / p["load_ohm"] * 1e6
    return truth


def main() -> None:
    truth = {
        "cv_e4980_cp.csv": make_e4980(
            "cv_e4980_cp.csv",
            dict(
                vbi=0.60,
                doping_cm3=3.0e16,
                eps_r=20.0,
                area_cm2=0.05,
                thickness_nm=None,
                frequency_hz=10e3,
                forward_fraction=0.02,
                forward_onset_v=0.2,
                forward_slope_v=0.06,
                noise=0.002,
            ),
            seed=11,
        ),
        "cv_hp4284_nf.txt": make_tab_nf(
            "cv_hp4284_nf.txt",
            dict(
                vbi=0.45,
                doping_cm3=2.0e16,
                eps_r=15.0,
                area_cm2=0.0314,
                thickness_nm=350.0,
                frequency_hz=1e3,
                forward_fraction=0.02,
                forward_onset_v=0.15,
                forward_slope_v=0.05,
                noise=0.002,
            ),
            seed=12,
        ),
        "tpc_current_trace.txt": make_current_trace(
            "tpc_current_trace.txt",
            dict(
                amplitude_a=40e-6,
                tau_s=1.8e-6,
                rise_s=30e-9,
                baseline_a=-12e-6,
                noise_a=0.3e-6,
                area_cm2=0.05,
                polarity="negative",
            ),
            seed=13,
        ),
        "tpc_scope_50ohm.tpc.csv": make_tektronix(
            "tpc_scope_50ohm.tpc.csv",
            dict(
                amplitude_a=30e-6,
                tau_s=0.9e-6,
                rise_s=20e-9,
                baseline_a=0.0,
                load_ohm=50.0,
                scope_offset_v=15e-6,
                noise_v=25e-6,
                area_cm2=0.05,
                polarity="positive",
            ),
            seed=14,
        ),
    }
    text = json.dumps(truth, indent=2, sort_keys=True) + "\n"
    (HERE / "truth.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
