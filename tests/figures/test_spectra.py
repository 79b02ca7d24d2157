"""EQE, absorbance with PL, and TRPL figures, including a real 32,768-channel TCSPC histogram."""

from pathlib import Path

import numpy as np
import pytest

from analysis.figures import eqe_figure, spectra_figure, trpl_figure

from .samples import assert_valid, payload_bytes

TRPL_FILE = Path(__file__).parents[1] / "data/real/trpl/07-Si6505_10kHz-ND1-0.40uW-300s.trpl.dat"
WAVELENGTH = np.linspace(300, 1300, 1001)


def _eqe(label: str, jsc: float | None = 28.0, cumulative: bool = True) -> dict:
    eqe = 70 * np.exp(-(((WAVELENGTH - 700) / 400) ** 2))
    spectrum = {"label": label, "wavelength_nm": WAVELENGTH, "eqe_percent": eqe}
    if jsc is not None:
        spectrum["integrated_jsc_ma_cm2"] = jsc
    if cumulative:
        spectrum["cumulative_jsc_ma_cm2"] = np.linspace(0, jsc or 0, WAVELENGTH.size)
    return spectrum


def test_the_integrated_jsc_is_in_the_legend():
    result = assert_valid(eqe_figure([_eqe("Target", 28.0), _eqe("Control", 27.4)]))
    names = [t["name"] for t in result["data"] if t.get("showlegend", True)]
    assert names == [
        "Target (J<sub>SC</sub> = 28.0 mA cm<sup>-2</sup>)",
        "Control (J<sub>SC</sub> = 27.4 mA cm<sup>-2</sup>)",
    ]
    assert result["layout"]["xaxis"]["title"]["text"] == "Wavelength (nm)"
    assert result["layout"]["yaxis"]["title"]["text"] == "EQE (%)"


def test_the_cumulative_jsc_goes_on_a_right_axis_in_the_spectrum_colour():
    result = eqe_figure([_eqe("Target")])
    eqe, cumulative = result["data"]
    assert cumulative["yaxis"] == "y2" and cumulative["line"]["color"] == eqe["line"]["color"]
    assert result["layout"]["yaxis2"]["side"] == "right"
    assert result["layout"]["yaxis2"]["title"]["text"].endswith("(mA cm<sup>-2</sup>)")


def test_without_a_cumulative_jsc_there_is_no_right_axis():
    result = assert_valid(eqe_figure([_eqe("Target", None, cumulative=False)]))
    assert "yaxis2" not in result["layout"]
    assert result["data"][0]["name"] == "Target"


def _film(peak_nm: float) -> dict:
    # Spectrophotometers scan from long to short wavelength: keep that order here.
    wl = WAVELENGTH[::-1]
    return {
        "label": "Target film",
        "group": "Target",
        "wavelength_nm": wl,
        "absorbance": 0.2 * np.exp(-(((wl - peak_nm) / 60) ** 2)) + 300 / wl,
        "exciton_peak_nm": peak_nm,
        "diameter_nm": 4.1,
    }


def _pl(peak_nm: float) -> dict:
    return {
        "label": "Target PL",
        "group": "Target",
        "wavelength_nm": WAVELENGTH,
        "intensity": 5e4 * np.exp(-(((WAVELENGTH - peak_nm) / 30) ** 2)),
        "peak_nm": peak_nm,
        "fwhm_nm": 65,
    }


def test_absorbance_is_on_the_left_and_normalised_pl_on_the_right():
    result = assert_valid(spectra_figure([_film(1180)], [_pl(1250)]))
    absorbance, pl = result["data"]
    assert "yaxis" not in absorbance and pl["yaxis"] == "y2"
    assert max(v for v in pl["y"] if v is not None) == 1.0
    assert absorbance["line"]["color"] == pl["line"]["color"], "same group, same colour"
    layout = result["layout"]
    assert layout["yaxis"]["title"]["text"] == "Absorbance (OD)"
    assert layout["yaxis2"]["title"]["text"] == "Normalised PL (a.u.)"


def test_the_exciton_and_pl_peaks_are_annotated_with_the_diameter():
    exciton, pl = spectra_figure([_film(1180)], [_pl(1250)])["layout"]["annotations"]
    assert exciton["text"] == "1180 nm (1.05 eV)<br>d = 4.1 nm"
    assert exciton["x"] == 1180.0
    # The arrow points at the curve even though the file runs from long to short wavelength.
    assert exciton["y"] == pytest.approx(0.2 + 300 / 1180, rel=1e-3)
    assert pl["text"] == "PL 1250 nm<br>FWHM 65 nm" and pl["yref"] == "y2"
    assert pl["y"] == pytest.approx(1.0)


def test_pl_alone_takes_the_left_axis():
    result = assert_valid(spectra_figure([], [_pl(1250)]))
    assert "yaxis2" not in result["layout"]
    assert result["data"][0]["yaxis"] == "y"
    assert result["layout"]["yaxis"]["title"]["text"] == "Normalised PL (a.u.)"


def _real_trpl() -> np.ndarray:
    # TimeHarp export: ten header lines, then one count per 1 ns bin.
    return np.loadtxt(TRPL_FILE, skiprows=10, usecols=0)


def test_a_real_32768_channel_histogram_is_downsampled_without_losing_its_peak():
    counts = _real_trpl()
    assert counts.size == 32768
    decay = {"label": "Si6505", "time_ns": np.arange(counts.size, dtype=float), "counts": counts}
    result = assert_valid(trpl_figure([decay]))
    (trace,) = result["data"]
    assert len(trace["x"]) <= 5000
    assert max(trace["y"]) == counts.max()
    assert trace["x"][0] == 0.0 and trace["x"][-1] == 32767.0
    assert payload_bytes(result) < 100_000


def test_the_fitted_decay_is_overlaid_with_its_lifetimes_on_a_log_axis():
    t = np.linspace(0, 20_000, 20_001)
    fit = 800 * np.exp(-t / 1050) + 200 * np.exp(-t / 3560) + 2
    counts = np.random.default_rng(0).poisson(fit).astype(float)
    decay = {
        "label": "Target film",
        "time_ns": t,
        "counts": counts,
        "fit_counts": fit,
        "tau1_ns": 1050,
        "tau2_ns": 3560,
        "tau_avg_ns": 420,
    }
    result = assert_valid(trpl_figure([decay], max_points=3000))
    data, fitted = result["data"]
    assert data["mode"] == "markers" and fitted["mode"] == "lines"
    assert fitted["name"] == (
        "Target film fit: τ<sub>1</sub> = 1.05 µs, τ<sub>2</sub> = 3.56 µs, "
        "τ<sub>avg</sub> = 420 ns"
    )
    assert len(data["x"]) <= 3000 and len(fitted["x"]) <= 3000
    layout = result["layout"]
    assert layout["yaxis"]["type"] == "log"
    assert layout["xaxis"]["title"]["text"] == "Time (ns)"
    assert layout["yaxis"]["title"]["text"] == "PL intensity (counts)"
