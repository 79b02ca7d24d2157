"""Remake the TRPL, TPV and light-intensity files of known answer in this folder, and
truth.json.

    .venv/bin/python tests/data/transients/make.py

Deterministic (fixed seeds): running it again rewrites the same bytes. Physics and the true
values are described in README.md; numpy only, no cqdlab code, so the files do not depend on
the code they test.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
VT25 = 0.0256926  # kT/q at 298.15 K, V
K_B_EV = 8.617333262e-5  # eV/K


# --- TRPL (TCSPC histograms) ----------------------------------------------------------------


def periodic_decay(
    t: np.ndarray, t0: float, comps: list[tuple[float, float]], period: float | None
) -> np.ndarray:
    """Counts per bin of sum_i A_i exp(-(t - t0)/tau_i) excited every `period` ns, all
    earlier pulses included: sum_k exp(-(x + kT)/tau) = exp(-x/tau) / (1 - exp(-T/tau)),
    where x is the time since the latest pulse (t - t0, or t - t0 + T before it)."""
    x = t - t0
    out = np.zeros_like(t)
    for amp, tau in comps:
        if period is None:
            out += np.where(x >= 0, amp * np.exp(-np.clip(x, 0, None) / tau), 0.0)
        else:
            since = np.where(x >= 0, x, x + period)
            out += amp * np.exp(-since / tau) / -np.expm1(-period / tau)
    return out


def gaussian_irf(t: np.ndarray, centre: float, sigma: float) -> np.ndarray:
    g = np.exp(-0.5 * ((t - centre) / sigma) ** 2)
    return g / g.sum()


def write_picoquant(
    name: str, ns_per_bin: float, counts: np.ndarray, extra: dict[str, str] | None = None
) -> None:
    """A PicoHarp 300 ASCII histogram (the layout of analysis-methods.md section 13)."""
    lines = ["#PicoHarp 300  Histogram Data   05/14/25 10:21:07"]
    for key, value in {
        "channels per curve": str(counts.size),
        "display curve no.": "0",
        "memory block no.": "0",
        **(extra or {}),
        "ns/channel": f"{ns_per_bin:.4f}",
    }.items():
        lines += [f"#{key}", value]
    lines.append("#counts")
    lines += [str(int(c)) for c in counts]
    (HERE / name).write_text("\n".join(lines) + "\n", newline="\n")


def trpl_files() -> dict:
    truth = {}
    # 1. A PbS film whose long component outlives the 2 us window and the 500 kHz period:
    # every pulse lands on the unfinished tails of the ones before.
    t = np.arange(1000) * 2.0
    comps = [(1500.0, 100.0), (1500.0, 1500.0)]
    lam = periodic_decay(t, 50.0, comps, 2000.0) + 2.0
    name = "pbs-film_500kHz_truncated.trpl.dat"
    write_picoquant(name, 2.0, np.random.default_rng(1).poisson(lam))
    truth[name] = dict(
        tau1_ns=100.0, tau2_ns=1500.0, a1=0.5, tau_avg_amplitude_ns=800.0, t0_ns=50.0,
        background=2.0, repetition_rate_hz=5e5,
        flags=["long_component_exceeds_window", "long_component_exceeds_repetition_period"],
    )  # fmt: skip

    # 2. A weak decay (150 counts at the peak on 2 counts per bin): Neyman weights pull the
    # background and the tail low here. The header states a 1 MHz sync rate.
    t = np.arange(2000) * 0.2
    comps = [(90.0, 3.0), (60.0, 15.0)]
    lam = periodic_decay(t, 10.0, comps, 1000.0) + 2.0
    name = "pbs-film_lowcounts.trpl.dat"
    write_picoquant(name, 0.2, np.random.default_rng(2).poisson(lam), {"Sync rate [Hz]": "1000000"})
    truth[name] = dict(
        tau1_ns=3.0, tau2_ns=15.0, a1=0.6, tau_avg_amplitude_ns=7.8, t0_ns=10.0,
        background=2.0, repetition_rate_hz=1e6, flags=[],
    )  # fmt: skip

    # 3. A fast decay hidden by a 0.25 ns (sigma) IRF, and that IRF recorded on its own:
    # 2048 channels instead of 4096, and 0.3 ns earlier (another cable).
    dt = 0.025
    t = np.arange(4096) * dt
    decay = periodic_decay(t, 0.0, [(0.6, 0.8), (0.4, 5.0)], None)
    # The decay starts at t = 0 and the IRF centred at 10 ns moves it there.
    spread = np.convolve(gaussian_irf(t, 10.0, 0.25), decay)[: t.size]
    lam = 2e4 * spread / spread.max() + 3.0
    name = "pbs-film_fast.trpl.dat"
    write_picoquant(name, dt, np.random.default_rng(3).poisson(lam))
    ti = np.arange(2048) * dt
    irf_name = "pbs-film_irf.trpl.dat"
    irf = gaussian_irf(ti, 9.7, 0.25)
    write_picoquant(irf_name, dt, np.random.default_rng(4).poisson(2e4 * irf / irf.max() + 0.5))
    truth[name] = dict(
        tau1_ns=0.8, tau2_ns=5.0, a1=0.6, t0_ns=10.0, irf=irf_name, irf_delay_ns=-0.3, flags=[]
    )
    truth[irf_name] = dict(irf_centre_ns=9.7, irf_sigma_ns=0.25)
    return truth


# --- TPV ------------------------------------------------------------------------------------


def tpv_files() -> dict:
    # A slow photovoltage decay (25 us) recorded for 60 us after the pulse: the record ends
    # at 2.4 lifetimes, well short of the 5 the window check asks for.
    t = np.linspace(-10e-6, 60e-6, 3501)
    v = 0.42 + np.where(t >= 0, 3e-3 * np.exp(-np.clip(t, 0, None) / 25e-6), 0.0)
    v += np.random.default_rng(5).normal(0.0, 5e-5, t.size)
    name = "device_slow.tpv.csv"
    rows = "\n".join(f"{a:.6e},{b:.6f}" for a, b in zip(t, v, strict=True))
    (HERE / name).write_text("Time (s),Voltage (V)\n" + rows + "\n", newline="\n")
    return {
        name: dict(
            tau_us=25.0, delta_v_mv=3.0, baseline_v=0.42, flags=["long_component_exceeds_window"]
        )
    }


# --- Light intensity ------------------------------------------------------------------------


def bisect(f, lo: float, hi: float, n: int = 200) -> float:
    """Root of an increasing f between lo and hi (f(lo) < 0 < f(hi))."""
    for _ in range(n):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if f(mid) < 0 else (lo, mid)
    return 0.5 * (lo + hi)


def one_diode_voc_jsc(jph: float, j0: float, n: float, rs: float, rsh: float, vt: float):
    """Open-circuit voltage (V) and short-circuit current density (A/cm2) of
    J = Jph - J0 (exp((V + J Rs)/(n Vt)) - 1) - (V + J Rs)/Rsh."""
    voc = bisect(lambda v: j0 * np.expm1(v / (n * vt)) + v / rsh - jph, 0.0, 2.0)
    jsc = bisect(lambda j: j - jph + j0 * np.expm1(j * rs / (n * vt)) + j * rs / rsh, 0.0, jph)
    return voc, jsc


def intensity_files() -> dict:
    # Device b of analysis-methods.md section 2 (n 1.6, R_s 3.83, R_sh 250 ohm cm2) measured
    # at 35 C, stated in the header: the shunt bends Voc at low intensity.
    vt = VT25 * (35.0 + 273.15) / 298.15
    inten = np.geomspace(1.0, 100.0, 11)
    pts = [one_diode_voc_jsc(32.1954e-3 * i / 100, 5.354e-7, 1.6, 3.8303, 250.0, vt) for i in inten]
    name = "device-b_35C.intensity.csv"
    rows = "\n".join(
        f"{i:.4f},{voc:.5f},{1e3 * jsc:.4f}" for i, (voc, jsc) in zip(inten, pts, strict=True)
    )
    header = "# Temperature: 35 C\nLight intensity (mW/cm2),Voc (V),Jsc (mA/cm2)\n"
    (HERE / name).write_text(header + rows + "\n", newline="\n")
    return {
        name: dict(
            ideality_factor_true=1.6, temperature_c=35.0, shunt_ohm_cm2=250.0,
            flags=["shunt_limited_low_intensity"],
        )
    }  # fmt: skip


if __name__ == "__main__":
    truth = {**trpl_files(), **tpv_files(), **intensity_files()}
    (HERE / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", newline="\n")
