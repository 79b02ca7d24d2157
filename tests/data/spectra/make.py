"""Remake the absorbance and EQE spectra of known answer in this folder, and truth.json.

    .venv/bin/python tests/data/spectra/make.py

Deterministic (fixed seeds): running it again rewrites the same bytes. The physics and the true
values are described in README.md; numpy only, no cqdlab code, so the files do not depend on
the code they test. Each file reproduces one failure of issue 13 (fake excitons, the EQE gap).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REAL_PE = HERE.parent / "real" / "uvvis" / "F4-P3HT 1-10 0,5 mgml.Probe.Raw.asc"
HC_EV_NM = 1239.84198
HWHM_PER_SIGMA = np.sqrt(2 * np.log(2))


def gauss(e: np.ndarray, centre: float, sigma: float) -> np.ndarray:
    return np.exp(-0.5 * ((e - centre) / sigma) ** 2)


def logistic(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def moreels_diameter_nm(e0: float) -> float:
    """Moreels et al., ACS Nano 2009: E0 = 0.41 + 1 / (0.0252 d^2 + 0.283 d)."""
    return float((-0.283 + np.sqrt(0.283**2 + 4 * 0.0252 / (e0 - 0.41))) / (2 * 0.0252))


def local_max_nm(wl: np.ndarray, y: np.ndarray, near_nm: float, half_nm: float) -> float:
    """Wavelength of the maximum of y within near_nm +- half_nm (a dense noise-free curve)."""
    sel = np.abs(wl - near_nm) <= half_nm
    k = int(np.argmax(y[sel]))
    if k in (0, int(sel.sum()) - 1):
        raise ValueError(f"no local maximum near {near_nm} nm")
    return float(wl[sel][k])


# --- absorbance ---------------------------------------------------------------------------------


def qd_absorbance(e: np.ndarray, centre: float, hwhm_ev: float, height: float) -> np.ndarray:
    """1S Gaussian, a weaker broader second exciton 0.32 eV above, and the continuum that
    switches on ~0.2 eV above the 1S and rises e-fold per 0.9 eV (no scattering)."""
    sigma = hwhm_ev / HWHM_PER_SIGMA
    second = 0.45 * height * gauss(e, centre + 0.32, 2.0 * sigma)
    continuum = height * np.exp((e - centre) / 0.9) * logistic((e - centre - 0.2) / 0.08)
    return height * gauss(e, centre, sigma) + second + continuum


def broad_1s_on_a_slope() -> tuple[np.ndarray, np.ndarray, dict]:
    """A broad 1S (HWHM 90 meV) at 1180 nm on a background rising linearly with energy
    (scattering and the tails of higher transitions): its visible maximum sits ~19 nm short
    of the Gaussian centre, which is what sizes the dots (4.05 nm, not 3.97 nm)."""
    centre = HC_EV_NM / 1180.0
    hwhm = 0.090

    def clean(wl: np.ndarray) -> np.ndarray:
        e = HC_EV_NM / wl
        slope = 0.02 + 0.25 * np.clip(e - 0.75, 0.0, None)
        return qd_absorbance(e, centre, hwhm, 0.30) + slope

    wl = np.arange(400.0, 1700.0 + 0.1, 1.0)
    a = clean(wl) + np.random.default_rng(13).normal(0.0, 0.0015, wl.size)
    fine = np.arange(1000.0, 1300.0, 0.01)
    truth = {
        "kind": "absorbance",
        "exciton_peak_nm": 1180.0,
        "bandgap_ev": centre,
        "diameter_nm": moreels_diameter_nm(centre),
        "exciton_hwhm_mev": 1000 * hwhm,
        "exciton_apparent_peak_nm": local_max_nm(fine, clean(fine), 1165.0, 60.0),
        "apparent_diameter_nm": moreels_diameter_nm(
            HC_EV_NM / local_max_nm(fine, clean(fine), 1165.0, 60.0)
        ),
        "noise_absorbance": 0.0015,
    }
    return wl, a, truth


def exciton_and_detector_step() -> tuple[np.ndarray, np.ndarray, dict]:
    """Dots with a 1S at 1000 nm (HWHM 50 meV) measured on a spectrophotometer whose detector
    change at 860.8 nm left a 0.03 A step (the shorter wavelengths read high); the file says
    nothing of its instrument, so only the spectrum shows the step."""
    centre = HC_EV_NM / 1000.0
    wl = np.arange(500.0, 1600.0 + 0.1, 1.0)
    e = HC_EV_NM / wl
    a = qd_absorbance(e, centre, 0.050, 0.25) + 0.03 + 0.03 * (wl < 860.8)
    a = a + np.random.default_rng(14).normal(0.0, 0.001, wl.size)
    truth = {
        "kind": "absorbance",
        "exciton_peak_nm": 1000.0,
        "diameter_nm": moreels_diameter_nm(centre),
        "exciton_hwhm_mev": 50.0,
        "step_nm": 860.8,
        "step_absorbance": 0.03,
    }
    return wl, a, truth


def step_only() -> tuple[np.ndarray, np.ndarray, dict]:
    """A film with no dots: a smooth scattering background (A ~ lambda^-2) and the same
    detector step at 860.8 nm. There is no exciton; the step looks like one to a derivative."""
    wl = np.arange(500.0, 1600.0 + 0.1, 1.0)
    a = 0.05 + 0.08 * (700.0 / wl) ** 2 + 0.004 * (wl < 860.8)
    a = a + np.random.default_rng(15).normal(0.0, 0.0003, wl.size)
    truth = {"kind": "absorbance", "exciton_peak_nm": None, "step_nm": 860.8}
    return wl, a, truth


def perkinelmer_qd_film() -> tuple[str, dict]:
    """A PbS film measured on the Lambda 950 of the real F4-P3HT file: its header (detector and
    grating change 860.8 nm, lamp change 319.2 nm) with a 1S at 900 nm (HWHM 45 meV) and a
    0.003 A detector step at 860.8 nm, too small against the noise (0.0005 A) for the spectrum
    alone to show: the header must say where it is."""
    centre = HC_EV_NM / 900.0
    wl = np.arange(1300.0, 600.0 - 0.1, -1.0)  # PerkinElmer writes descending wavelengths
    e = HC_EV_NM / wl
    a = qd_absorbance(e, centre, 0.045, 0.20) + 0.02 + 0.003 * (wl < 860.8)
    a = a + np.random.default_rng(16).normal(0.0, 0.0005, wl.size)
    lines = REAL_PE.read_text(encoding="latin-1").replace("\r\n", "\n").split("\n")
    gr = lines.index("#GR")
    header = lines[: gr + 1]
    header[2] = "pe_qd_film.asc"
    header[8] = "PbS CQD film on glass, synthetic (tests/data/spectra/make.py)"
    graph = ["nm", "A", "1.0", "0.0", f"{wl[0]:.6f}", "-1.000000", str(wl.size), "8"]
    graph += [f"{a.max():.6f}", f"{a.min():.6f}", "#DATA"]
    rows = [f"{x:.6f}\t{y:.6f}" for x, y in zip(wl, a, strict=True)]
    text = "\r\n".join(header + graph + rows) + "\r\n"
    truth = {
        "kind": "absorbance",
        "exciton_peak_nm": 900.0,
        "diameter_nm": moreels_diameter_nm(centre),
        "exciton_hwhm_mev": 45.0,
        "changeover_nm": [319.2, 860.8],
        "step_absorbance": 0.003,
    }
    return text, truth


# --- EQE ----------------------------------------------------------------------------------------


def weak_1s_eqe(wl: np.ndarray) -> np.ndarray:
    """EQE (fraction) of a cell whose weak 1S (10 % EQE at 1.03 eV, sigma 50 meV) sits below a
    steep continuum edge at 1.30 eV reaching 70 %: absorptance 1 - exp(-alpha) times 0.75."""
    e = HC_EV_NM / wl
    alpha = 0.15 * gauss(e, 1.03, 0.05) + 2.5 * logistic((e - 1.30) / 0.03)
    uv_cut = logistic((wl - 340.0) / 8.0)
    return 0.75 * uv_cut * (1.0 - np.exp(-alpha))


def weak_1s() -> tuple[np.ndarray, np.ndarray, dict]:
    wl = np.arange(300.0, 1500.0 + 0.1, 5.0)
    eqe = weak_1s_eqe(wl) + np.random.default_rng(17).normal(0.0, 0.001, wl.size)
    # Truth on a dense noise-free curve: the lowest-energy maximum of dEQE/dE, and the 1S peak.
    e = np.linspace(0.85, 1.6, 75001)
    y = weak_1s_eqe(HC_EV_NM / e)
    d = np.gradient(y, e)
    k = int(np.argmax((d[1:-1] > d[:-2]) & (d[1:-1] >= d[2:]) & (d[1:-1] > 0.1 * d.max()))) + 1
    fine = np.arange(1100.0, 1300.0, 0.01)
    peak_nm = local_max_nm(fine, weak_1s_eqe(fine), 1200.0, 80.0)
    truth = {
        "kind": "eqe",
        "bandgap_ev": float(e[k]),
        "continuum_edge_ev": 1.30,
        "eqe_1s_peak_nm": peak_nm,
        "eqe_1s_peak_fraction": float(weak_1s_eqe(np.array([peak_nm]))[0]),
    }
    return wl, eqe, truth


def urbach_tail() -> tuple[np.ndarray, np.ndarray, dict]:
    """A logistic edge at 1.10 eV, plateau 80 %, whose sub-gap tail is exactly exponential with
    E_U = 25 meV (EQE ~ 0.8 exp((E - 1.10)/0.025) well below the gap), measured to 1600 nm with
    a noise of 2e-5 (an FTPS-like dynamic range): the tail meets the noise near 0.87 eV."""
    wl = np.arange(300.0, 1600.0 + 0.1, 2.0)
    e = HC_EV_NM / wl
    eqe = 0.8 * logistic((e - 1.10) / 0.025) * logistic((wl - 340.0) / 8.0)
    eqe = eqe + np.random.default_rng(18).normal(0.0, 2e-5, wl.size)
    truth = {"kind": "eqe", "urbach_mev": 25.0, "bandgap_ev": 1.10, "noise_fraction": 2e-5}
    return wl, eqe, truth


def dead_device() -> tuple[np.ndarray, np.ndarray, dict]:
    """A nearly dead cell: EQE up to 1.2 %, written in percent under a bare 'EQE' header. Read
    as a fraction it would be a 120 % cell with a ~40 mA/cm2 Jsc."""
    wl = np.arange(300.0, 1400.0 + 0.1, 10.0)
    e = HC_EV_NM / wl
    percent = 1.2 * logistic((e - 1.25) / 0.04) * logistic((wl - 340.0) / 8.0)
    percent = percent + np.random.default_rng(19).normal(0.0, 0.005, wl.size)
    return wl, percent, {"kind": "eqe", "max_eqe_percent": 1.2}


def _table(name: str, header: str, wl: np.ndarray, y: np.ndarray, fmt: str, sep: str) -> None:
    lines = [header] + [f"{x:.1f}{sep}{v:{fmt}}" for x, v in zip(wl, y, strict=True)]
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    truth: dict[str, dict] = {}
    wl, a, truth["abs_broad_1s_sloping.csv"] = broad_1s_on_a_slope()
    _table("abs_broad_1s_sloping.csv", "Wavelength (nm),Absorbance", wl, a, ".6f", ",")
    wl, a, truth["abs_exciton_detector_step.csv"] = exciton_and_detector_step()
    _table("abs_exciton_detector_step.csv", "Wavelength (nm),Absorbance", wl, a, ".6f", ",")
    wl, a, truth["abs_step_only.csv"] = step_only()
    _table("abs_step_only.csv", "Wavelength (nm),Absorbance", wl, a, ".6f", ",")
    text, truth["pe_qd_film.asc"] = perkinelmer_qd_film()
    (HERE / "pe_qd_film.asc").write_text(text, encoding="latin-1", newline="")
    wl, eqe, truth["eqe_weak_1s.txt"] = weak_1s()
    _table("eqe_weak_1s.txt", "Wavelength (nm)\tEQE (%)", wl, 100 * eqe, ".4f", "\t")
    wl, eqe, truth["eqe_urbach_tail.txt"] = urbach_tail()
    _table("eqe_urbach_tail.txt", "Wavelength (nm)\tEQE (%)", wl, 100 * eqe, ".6f", "\t")
    wl, percent, truth["eqe_dead_device_no_unit.txt"] = dead_device()
    _table("eqe_dead_device_no_unit.txt", "Wavelength\tEQE", wl, percent, ".4f", "\t")
    text = json.dumps(truth, indent=2, sort_keys=True) + "\n"
    (HERE / "truth.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
