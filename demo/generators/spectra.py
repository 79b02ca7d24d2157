"""Noise-free shapes of the spectra and transients a PbS CQD lab records.

Shapes are built on an energy axis where the physics is Gaussian (excitons, PL) and sampled
on the instrument's wavelength grid. Noise is added by the caller, which owns the random state.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
from scipy import constants

HC_EV_NM = 1239.84198

# Exciton widths (Gaussian sigma): larger dots are more monodisperse in energy.
_EXCITON_SIGMA_EV = {"1.3eV": 0.050, "1.0eV": 0.038}
_FILM_BROADENING = 1.25
# Exciton amplitude and continuum scale (absorbance units) of a diluted solution and of a
# ~370 nm film on glass; in the film, coupling between dots flattens the exciton to a bump.
_SOLUTION_SHAPE = (0.30, 0.30)
_FILM_SHAPE = (0.12, 0.30)
# Scales the film absorbance to the optical density the absorber has in the device (back
# reflection off the Au contact doubles the path).
_EQE_OPTICAL_DENSITY = 3.0
# Stokes shift between the absorption exciton and the PL peak.
_STOKES_EV = {"1.3eV": 0.060, "1.0eV": 0.040}


def exciton_sigma_ev(dot_size: str, film: bool) -> float:
    return _EXCITON_SIGMA_EV[dot_size] * (_FILM_BROADENING if film else 1.0)


def stokes_shift_ev(dot_size: str) -> float:
    return _STOKES_EV[dot_size]


def _gauss(x: np.ndarray, centre: float, sigma: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - centre) / sigma) ** 2)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _pinned(
    shape: Callable[[np.ndarray, float], np.ndarray], peak_nm: float, sigma: float
) -> float:
    """The exciton centre (eV) that puts the local maximum of `shape` exactly at `peak_nm`.

    A rising background drags the visible maximum off the Gaussian's centre; the lab reads
    the exciton from the maximum, so the maximum is what must sit at 933 or 1180 nm.
    """
    target = HC_EV_NM / peak_nm
    centre = target
    window = np.linspace(target - sigma, target + sigma, 4001)
    for _ in range(8):
        seen = window[np.argmax(shape(window, centre))]
        centre += target - seen
    if abs(seen - target) > 1e-3 * sigma:
        raise ValueError(f"no exciton maximum near {peak_nm} nm for these shape parameters")
    return centre


def absorbance(
    wavelength_nm: np.ndarray, peak_nm: float, sigma_ev: float, height: float, background: float
) -> np.ndarray:
    """1S exciton, a weaker and broader second exciton, and the continuum rising to the UV.

    `height` is the 1S Gaussian amplitude; `background` scales the continuum, which switches on
    ~0.17 eV above the 1S (leaving the valley every PbS spectrum shows) and rises e-fold per
    0.9 eV. Zero below the gap: scattering is the caller's.
    """
    shape = _absorbance_shape(sigma_ev, height, background)
    centre = _pinned(shape, peak_nm, sigma_ev)
    return shape(HC_EV_NM / np.asarray(wavelength_nm, dtype=float), centre)


def solution_absorbance(wavelength_nm: np.ndarray, dot_size: str, exciton_nm: float) -> np.ndarray:
    """Diluted oleate-capped dots in a 1 cm cell."""
    height, background = _SOLUTION_SHAPE
    return absorbance(
        wavelength_nm, exciton_nm, exciton_sigma_ev(dot_size, False), height, background
    )


def film_absorbance(wavelength_nm: np.ndarray, dot_size: str, exciton_nm: float) -> np.ndarray:
    """An exchanged film on glass (blank-glass baseline)."""
    height, background = _FILM_SHAPE
    return absorbance(
        wavelength_nm, exciton_nm, exciton_sigma_ev(dot_size, True), height, background
    )


def _absorbance_shape(
    sigma: float, height: float, background: float
) -> Callable[[np.ndarray, float], np.ndarray]:
    def shape(energy: np.ndarray, centre: float) -> np.ndarray:
        continuum = background * np.exp((energy - centre) / 0.9)
        continuum = continuum * _sigmoid((energy - centre - 0.17) / 0.08)
        second = 0.45 * height * _gauss(energy, centre + 0.32, 2.0 * sigma)
        return height * _gauss(energy, centre, sigma) + second + continuum

    return shape


def pl_intensity(wavelength_nm: np.ndarray, peak_nm: float, fwhm_nm: float) -> np.ndarray:
    """Per-nm PL counts (peak 1) of an emission that is Gaussian in energy.

    The width in energy is chosen so the wavelength FWHM is `fwhm_nm`; the lambda^-2 Jacobian
    of a wavelength-dispersive spectrometer is included.
    """
    e_peak = HC_EV_NM / peak_nm
    # Solve hc/(E - F/2) - hc/(E + F/2) = W for the energy FWHM F.
    fwhm_ev = (-HC_EV_NM + np.sqrt(HC_EV_NM**2 + fwhm_nm**2 * e_peak**2)) / (fwhm_nm / 2.0)
    energy = HC_EV_NM / np.asarray(wavelength_nm, dtype=float)
    per_nm = _gauss(energy, e_peak, fwhm_ev / 2.3548) * energy**2
    return per_nm / per_nm.max()


def eqe_shape(wavelength_nm: np.ndarray, dot_size: str, film_exciton_nm: float) -> np.ndarray:
    """EQE (fraction, unscaled) of an ITO/ZnO/PbS/PbS-EDT/Au cell.

    The absorptance of the ~370 nm absorber film (1 - 10^-A, saturating in the visible) times
    the glass/ITO UV cut-off and a weak thin-film interference dip: the exciton shows as a
    bump before the edge, as in the film's absorbance.
    """
    wl = np.asarray(wavelength_nm, dtype=float)
    film = film_absorbance(wl, dot_size, film_exciton_nm)
    absorptance = 1.0 - 10.0 ** (-_EQE_OPTICAL_DENSITY * film)
    uv_cut = _sigmoid((wl - 335.0) / 9.0)
    interference = 1.0 - 0.06 * _gauss(wl, 0.6 * film_exciton_nm, 50.0)
    return uv_cut * interference * absorptance


def with_urbach_tail(
    wavelength_nm: np.ndarray, eqe: np.ndarray, urbach_mev: float, from_fraction: float = 0.5
) -> np.ndarray:
    """The EQE with an exponential (Urbach) tail below its edge: from where it falls to
    ``from_fraction`` of its exciton maximum, EQE(E) = EQE_a exp((E - E_a)/E_U). The Gaussian
    exciton alone falls faster than any real film's absorption, whose tail states decay
    exponentially (and an EQE fit would read the Gaussian's curvature as the Urbach energy)."""
    wl = np.asarray(wavelength_nm, dtype=float)
    y = np.asarray(eqe, dtype=float)
    energy = HC_EV_NM / wl
    peak = int(np.argmax(np.where(wl > 0.5 * wl.max(), y, 0.0)))  # the 1S bump, not the UV
    after = np.nonzero((np.arange(y.size) > peak) & (y <= from_fraction * y[peak]))[0]
    if not after.size:
        return y
    anchor = int(after[0])
    tail = y[anchor] * np.exp((energy - energy[anchor]) / (urbach_mev / 1000.0))
    return np.where(np.arange(y.size) > anchor, tail, y)


@lru_cache(maxsize=1)
def _am15g() -> tuple[np.ndarray, np.ndarray]:
    from pvlib.spectrum import get_reference_spectra  # pvlib is slow to import: only here

    spectrum = get_reference_spectra(standard="ASTM G173-03")
    return spectrum.index.to_numpy(dtype=float), spectrum["global"].to_numpy(dtype=float)


def integrated_jsc_ma_cm2(wavelength_nm: np.ndarray, eqe_fraction: np.ndarray) -> float:
    """q * integral of EQE x AM1.5G photon flux, on the spectrum's native grid (analysis §4)."""
    wl, irradiance = _am15g()
    eqe = np.interp(wl, wavelength_nm, eqe_fraction, left=0.0, right=0.0)
    photon_flux = irradiance * wl * 1e-9 / (constants.h * constants.c)  # 1/(m2 s nm)
    return float(constants.e * np.trapezoid(eqe * photon_flux, wl) * 0.1)  # A/m2 -> mA/cm2


def biexponential(
    time_ns: np.ndarray, t0_ns: float, tau1_ns: float, tau2_ns: float, a1: float
) -> np.ndarray:
    """Normalised decay starting at t0 (the TCSPC bins are far wider than the IRF)."""
    dt = np.asarray(time_ns, dtype=float) - t0_ns
    decay = a1 * np.exp(-dt / tau1_ns) + (1.0 - a1) * np.exp(-dt / tau2_ns)
    return np.where(dt >= 0.0, decay, 0.0)
