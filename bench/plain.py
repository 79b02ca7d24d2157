"""The plain script a lab member would write: pandas.read_csv plus a few lines of numpy/scipy.

The baseline for section 1. Each ``read_*`` returns the columns, each ``figures_*`` the same
key figures cqdlab computes, by the textbook shortcut (no noise handling, no flags). Files are
the lab's generic text format: ``Key: value`` lines, a blank line, a tab-separated table.
"""

from __future__ import annotations

import io
from functools import cache

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit
from scipy.signal import find_peaks

H, C, Q = 6.62607015e-34, 2.99792458e8, 1.602176634e-19
HC_EV_NM = 1239.841984
EXCITON_WINDOW_NM = (800.0, 1500.0)  # where the lab's 1.0-1.3 eV dots have their exciton


def read(data: bytes) -> tuple[dict[str, str], pd.DataFrame]:
    """The metadata block as a dict, the table as a DataFrame (skiprows past the blank line)."""
    head, _, _ = data.partition(b"\n\n")
    meta = {}
    for line in head.decode().splitlines():
        key, _, value = line.partition(":")
        meta[key.strip()] = value.strip()
    table = pd.read_csv(io.BytesIO(data), sep="\t", skiprows=head.count(b"\n") + 2)
    return meta, table


def figures_jv(meta: dict[str, str], table: pd.DataFrame) -> dict[str, float]:
    v = table.iloc[:, 0].to_numpy(dtype=float)
    j = table.iloc[:, 1].to_numpy(dtype=float)
    irradiance = float(meta.get("Irradiance (mW/cm2)") or 100.0)
    order = np.argsort(v)
    v, j = v[order], j[order]
    jsc = float(np.interp(0.0, v, j))
    if jsc < 0:  # the SMU's load convention: flip to J > 0 under light
        j, jsc = -j, -jsc
    by_j = np.argsort(j)
    voc = float(np.interp(0.0, j[by_j], v[by_j]))
    pmax = float(np.max(v * j))
    ff = pmax / (voc * jsc)
    return {"voc_v": voc, "jsc_ma_cm2": jsc, "ff": ff, "pce_percent": 100.0 * pmax / irradiance}


@cache
def am15g() -> tuple[np.ndarray, np.ndarray]:
    """ASTM G173-03 global tilt (W m-2 nm-1), read once per script run."""
    import pvlib

    spectrum = pvlib.spectrum.get_reference_spectra()
    return spectrum.index.to_numpy(dtype=float), spectrum["global"].to_numpy(dtype=float)


def figures_eqe(meta: dict[str, str], table: pd.DataFrame) -> dict[str, float]:
    wl = table.iloc[:, 0].to_numpy(dtype=float)
    eqe = table.iloc[:, 1].to_numpy(dtype=float)
    if "%" in table.columns[1]:
        eqe = eqe / 100.0
    ref_wl, ref_e = am15g()
    inside = (ref_wl >= wl.min()) & (ref_wl <= wl.max())
    x = ref_wl[inside]
    photons = ref_e[inside] * x * 1e-9 / (H * C)  # photons m-2 s-1 nm-1
    current = Q * np.trapezoid(np.interp(x, wl, eqe) * photons, x)  # A m-2
    return {"integrated_jsc_ma_cm2": float(current) * 0.1}


def _biexp(t, a1, tau1, a2, tau2, b):
    return a1 * np.exp(-t / tau1) + a2 * np.exp(-t / tau2) + b


def figures_trpl(meta: dict[str, str], table: pd.DataFrame) -> dict[str, float]:
    t = table.iloc[:, 0].to_numpy(dtype=float)
    counts = table.iloc[:, 1].to_numpy(dtype=float)
    k = int(np.argmax(counts))
    x, y = t[k:] - t[k], counts[k:]
    p0 = [0.6 * y[0], x[-1] / 50, 0.4 * y[0], x[-1] / 5, float(np.mean(y[-50:]))]
    p, _ = curve_fit(_biexp, x, y, p0=p0, sigma=np.sqrt(np.maximum(y, 1.0)), maxfev=10000)
    a1, tau1, a2, tau2, _ = p
    if tau1 > tau2:
        a1, tau1, a2, tau2 = a2, tau2, a1, tau1
    return {
        "tau1_ns": float(tau1),
        "tau2_ns": float(tau2),
        "tau_avg_amplitude_ns": float((a1 * tau1 + a2 * tau2) / (a1 + a2)),
    }


def moreels_diameter_nm(e0_ev: float) -> float:
    """Moreels et al. 2009: E0 = 0.41 + 1 / (0.0252 d^2 + 0.283 d), solved for d."""
    return (-0.283 + np.sqrt(0.283**2 + 4 * 0.0252 / (e0_ev - 0.41))) / (2 * 0.0252)


def figures_absorbance(meta: dict[str, str], table: pd.DataFrame) -> dict[str, float]:
    wl = table.iloc[:, 0].to_numpy(dtype=float)
    a = table.iloc[:, 1].to_numpy(dtype=float)
    lo, hi = EXCITON_WINDOW_NM
    window = (wl >= lo) & (wl <= hi)
    peaks, props = find_peaks(a[window], prominence=0.005)
    if peaks.size == 0:
        raise ValueError("no exciton peak in the window")
    peak_nm = float(wl[window][peaks[np.argmax(props["prominences"])]])
    return {
        "exciton_peak_nm": peak_nm,
        "diameter_nm": float(moreels_diameter_nm(HC_EV_NM / peak_nm)),
    }


FIGURES = {
    "jv": figures_jv,
    "eqe": figures_eqe,
    "trpl": figures_trpl,
    "absorbance": figures_absorbance,
}
