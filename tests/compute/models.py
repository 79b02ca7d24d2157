"""Model curves with known answers (one-diode J-V, Gaussian spectra, decays)."""

from __future__ import annotations

import numpy as np
from pvlib.pvsystem import i_from_v, singlediode

from analysis.compute.constants import HC_EV_NM, thermal_voltage

VTH = thermal_voltage(25.0)  # 298.15 K

# Device b of analysis-methods.md section 2 (the control device of the reference paper).
DEVICE_B = dict(
    photocurrent=32.1954e-3,
    saturation_current=5.354e-7,
    resistance_series=3.8303,
    resistance_shunt=250.0,
    nNsVth=1.6 * VTH,
)
DEVICE_B_TRUTH = dict(voc_v=0.4500, jsc_ma_cm2=31.700, ff=0.4999, pce_percent=7.131)
GOOD = dict(
    photocurrent=27.4e-3,
    saturation_current=1e-9,
    resistance_series=1.0,
    resistance_shunt=2000.0,
    nNsVth=1.4 * VTH,
)


def jv_curve(v: np.ndarray, params: dict = DEVICE_B, scale: float = 1.0) -> np.ndarray:
    """Generator-convention J (mA/cm2) of a one-diode cell; `scale` multiplies J_ph."""
    p = dict(params, photocurrent=params["photocurrent"] * scale)
    return 1000.0 * i_from_v(v, **p)


def jv_truth(params: dict = DEVICE_B, scale: float = 1.0) -> dict:
    p = dict(params, photocurrent=params["photocurrent"] * scale)
    sd = singlediode(**p)
    voc, jsc, pmp = float(sd["v_oc"]), 1000 * float(sd["i_sc"]), 1000 * float(sd["p_mp"])
    return dict(voc_v=voc, jsc_ma_cm2=jsc, ff=pmp / (voc * jsc), pmax_mw_cm2=pmp)


def gaussian_in_energy(wl_nm: np.ndarray, peak_nm: float, sigma_ev: float) -> np.ndarray:
    """A Gaussian in energy, as a spectrometer records it per wavelength (Jacobian applied)."""
    e = HC_EV_NM / wl_nm
    g = np.exp(-0.5 * ((e - HC_EV_NM / peak_nm) / sigma_ev) ** 2)
    return g * HC_EV_NM / wl_nm**2
