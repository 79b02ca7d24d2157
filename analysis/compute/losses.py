"""Detailed-balance limits at a device's gap and where the device loses against them (issue 16).

Pure: numpy, scipy and pvlib's ASTM G173-03 table. The cell is at 25 C unless told otherwise,
the sun is the G173 global tilt spectrum counted as 100 mW/cm2 (its table integrates to
1000.4 W/m2; the convention of the SQ tables, e.g. Rühle 2016, is 1000 W/m2).

- ``sq_limit``: Shockley-Queisser, a step absorber (EQE = 1 above Eg, 0 below) emitting as a
  black body through one face: Jsc from the photon flux above Eg, J0 from the black-body flux
  2 pi / (h^3 c^2) E^2 / (exp(E/kT) - 1) above Eg, the ideal diode's maximum power.
- ``voc_radiative``: the same reciprocity with the measured EQE in place of the step, the EQE
  below its range (or below the gap) replaced by its fitted Urbach tail when one is given.
- ``ff_ideal`` / ``ff_with_resistances``: Green's expressions (Solar Cells, 1982, ch. 5).
- ``device_losses``: every loss figure of one device, None with a reason when an input is
  missing, each with the measurement codes it came from.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from scipy.special import lambertw

from ._common import ResultMixin, finite_pairs, opt_float
from .constants import HC_EV_NM, K_B, STC_IRRADIANCE_MW_CM2, ZERO_C_IN_K, C, H, Q

SPECTRUM = "ASTM G173-03 global tilt (pvlib), counted as 100 mW/cm2"
# Prefactor of the black-body photon flux through one face, per eV: 2 pi q^3 / (h^3 c^2) turns
# E^2 dE in eV^3 into photons m-2 s-1; x q x 0.1 gives mA/cm2.
_BB_MA_CM2_PER_EV3 = 2.0 * math.pi * Q**3 / (H**3 * C**2) * Q * 0.1
# The Urbach tail is followed down until it falls to this EQE (or 0.2 eV): further down it
# adds nothing to J0 when E_U < kT; above kT the integral grows with the cut-off (flagged).
_TAIL_FLOOR_EQE = 1e-12
_TAIL_MIN_EV = 0.2
_TAIL_POINTS = 2000

SQ_METHOD = (
    "Shockley-Queisser: step absorber, Jsc = q x AM1.5G photon flux above Eg (ASTM G173-03 "
    "global, native grid, trapezoid), J0 = q x black-body flux 2pi/(h^3c^2) E^2/(exp(E/kT)-1) "
    "above Eg (one face), Voc = kT/q ln(Jsc/J0 + 1), FF and PCE from the ideal diode's maximum "
    "power (Lambert W), PCE against 100 mW/cm2"
)
VOC_RAD_METHOD = (
    "reciprocity (Rau 2007): J0,rad = q integral EQE(E) x black-body flux dE, Voc,rad = kT/q "
    "ln(Jsc/J0,rad + 1); EQE below the gap (or its measured range) replaced by its Urbach tail "
    "EQE(Eg) exp((E - Eg)/E_U) down to EQE 1e-12 or 0.2 eV, when an Urbach energy is given"
)
FF_METHOD = (
    "Green 1982: FF0 = (voc - ln(voc + 0.72))/(voc + 1), voc = Voc/(n kT/q); with rs = Rs Jsc/Voc "
    "and rsh = Rsh Jsc/Voc: FF = FFs (1 - (voc + 0.7)/voc FFs/rsh), FFs = FF0 (1 - 1.1 rs) + "
    "rs^2/5.4"
)


@cache
def _reference_photon_flux() -> tuple[np.ndarray, np.ndarray]:
    """AM1.5G as (photon energy eV ascending, q x photon flux in mA cm-2 eV-1). Read-only."""
    import pvlib  # heavy import kept out of module import time

    spec = pvlib.spectrum.get_reference_spectra(standard="ASTM G173-03")
    wl = spec.index.to_numpy(dtype=float)
    # W m-2 nm-1 -> photons (x lambda/hc) -> A m-2 nm-1 (x q) -> mA cm-2 nm-1 (x 0.1).
    per_nm = spec["global"].to_numpy(dtype=float) * wl * 1e-9 / (H * C) * Q * 0.1
    energy = HC_EV_NM / wl
    per_ev = per_nm * wl / energy  # |d lambda / dE| = lambda / E
    order = np.argsort(energy)
    energy, per_ev = energy[order], per_ev[order]
    energy.setflags(write=False)
    per_ev.setflags(write=False)
    return energy, per_ev


def _kt_ev(temperature_c: float) -> float:
    return K_B * (float(temperature_c) + ZERO_C_IN_K) / Q


def black_body_flux(energy_ev: np.ndarray, temperature_c: float = 25.0) -> np.ndarray:
    """q x black-body photon flux through one face, mA cm-2 eV-1, at each photon energy."""
    e = np.asarray(energy_ev, dtype=float)
    return _BB_MA_CM2_PER_EV3 * e * e / np.expm1(e / _kt_ev(temperature_c))


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(x))) if x.size > 1 else 0.0


def sq_jsc(bandgap_ev: float) -> float:
    """Photocurrent (mA/cm2) of a step absorber under AM1.5G: every photon above Eg counts."""
    energy, flux = _reference_photon_flux()
    above = energy > bandgap_ev
    e = np.concatenate(([bandgap_ev], energy[above]))
    f = np.concatenate(([np.interp(bandgap_ev, energy, flux)], flux[above]))
    return _trapezoid(f, e)


def sq_j0(bandgap_ev: float, temperature_c: float = 25.0) -> float:
    """Radiative dark current (mA/cm2) of a step absorber: black-body flux above Eg."""
    kt = _kt_ev(temperature_c)
    e = np.linspace(bandgap_ev, bandgap_ev + 40.0 * kt, 4001)  # exp(-40): nothing further
    return _trapezoid(black_body_flux(e, temperature_c), e)


@dataclass(frozen=True)
class DiodePoint:
    voc_v: float
    vmp_v: float
    jmp_ma_cm2: float
    ff: float


def ideal_diode(jsc_ma_cm2: float, j0_ma_cm2: float, temperature_c: float = 25.0) -> DiodePoint:
    """Voc and maximum power of J = Jsc - J0 (exp(V/Vt) - 1), exactly (Lambert W)."""
    vt = _kt_ev(temperature_c)
    ratio = jsc_ma_cm2 / j0_ma_cm2 + 1.0
    voc = vt * math.log(ratio)
    # d(VJ)/dV = 0  <=>  (1 + v) e^v = ratio, v = V/Vt  <=>  v = W(e ratio) - 1.
    v = float(np.real(lambertw(math.e * ratio))) - 1.0
    vmp = v * vt
    jmp = jsc_ma_cm2 - j0_ma_cm2 * math.expm1(v)
    return DiodePoint(voc, vmp, jmp, vmp * jmp / (voc * jsc_ma_cm2))


@dataclass(frozen=True)
class SQLimit(ResultMixin):
    bandgap_ev: float
    temperature_c: float
    jsc_ma_cm2: float
    j0_ma_cm2: float
    voc_v: float
    ff: float
    pce_percent: float
    spectrum: str = SPECTRUM
    method: str = SQ_METHOD


@cache
def sq_limit(bandgap_ev: float, temperature_c: float = 25.0) -> SQLimit:
    """Shockley-Queisser limit at a gap (0.3 - 4.0 eV, the range of the G173 table)."""
    eg = float(bandgap_ev)
    if not (math.isfinite(eg) and 0.31 <= eg <= 4.0):
        raise ValueError(f"bandgap {bandgap_ev} eV is outside the AM1.5G table (0.31-4.0 eV)")
    jsc = sq_jsc(eg)
    j0 = sq_j0(eg, temperature_c)
    point = ideal_diode(jsc, j0, temperature_c)
    pce = point.vmp_v * point.jmp_ma_cm2 / STC_IRRADIANCE_MW_CM2 * 100.0
    return SQLimit(eg, float(temperature_c), jsc, j0, point.voc_v, point.ff, pce)


@dataclass(frozen=True)
class RadiativeVoc(ResultMixin):
    voc_rad_v: float
    j0_rad_ma_cm2: float
    jsc_ma_cm2: float
    temperature_c: float
    tail_used: bool  # the EQE was extended by its Urbach tail
    flags: list[str] = field(default_factory=list)
    method: str = VOC_RAD_METHOD


def _eqe_on_energy(
    energy_ev: Any | None, wavelength_nm: Any | None, eqe_fraction: Any
) -> tuple[np.ndarray, np.ndarray]:
    if (energy_ev is None) == (wavelength_nm is None):
        raise ValueError("give the EQE against energy_ev or against wavelength_nm, not both")
    x = energy_ev if energy_ev is not None else wavelength_nm
    x, y = finite_pairs(x, eqe_fraction)
    keep = x > 0
    x, y = x[keep], y[keep]
    e = x if energy_ev is not None else HC_EV_NM / x
    order = np.argsort(e)
    e, y = e[order], np.clip(y[order], 0.0, None)
    if e.size < 2:
        raise ValueError("the EQE has fewer than 2 usable points")
    return e, y


def _with_urbach_tail(
    e: np.ndarray, y: np.ndarray, urbach_ev: float, gap_ev: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """The EQE with its part below the anchor (the gap, else the lowest measured energy)
    replaced by anchor EQE x exp((E - anchor)/E_U): the measured tail ends in the noise floor,
    which the black body's weight there would turn into most of J0."""
    anchor = float(gap_ev) if gap_ev is not None and e[0] <= gap_ev <= e[-1] else float(e[0])
    y_anchor = float(np.interp(anchor, e, y))
    if y_anchor <= 0:
        return e, y
    depth = urbach_ev * math.log(y_anchor / _TAIL_FLOOR_EQE)
    low = max(anchor - depth, _TAIL_MIN_EV)
    tail_e = np.linspace(low, anchor, _TAIL_POINTS, endpoint=False)
    tail_y = y_anchor * np.exp((tail_e - anchor) / urbach_ev)
    above = e >= anchor
    return (
        np.concatenate((tail_e, [anchor], e[above & (e > anchor)])),
        np.concatenate((tail_y, [y_anchor], y[above & (e > anchor)])),
    )


def _fine(e: np.ndarray, y: np.ndarray, kt: float) -> tuple[np.ndarray, np.ndarray]:
    """The curve on a grid of at most kT/20 steps: the black body changes e-fold every kT, and
    a coarse EQE grid (10 nm is ~10 meV at 1 eV) would misweight it."""
    step = kt / 20.0
    n = int(math.ceil((e[-1] - e[0]) / step)) + 1
    if n <= e.size:
        return e, y
    grid = np.union1d(e, np.linspace(e[0], e[-1], min(n, 200_000)))
    return grid, np.interp(grid, e, y)


def voc_radiative(
    eqe_fraction: Any,
    jsc_ma_cm2: float,
    *,
    energy_ev: Any | None = None,
    wavelength_nm: Any | None = None,
    temperature_c: float = 25.0,
    urbach_mev: float | None = None,
    gap_ev: float | None = None,
) -> RadiativeVoc:
    """Radiative Voc from the measured EQE by reciprocity (EQE x black body)."""
    if not (jsc_ma_cm2 and jsc_ma_cm2 > 0):
        raise ValueError(f"Jsc must be positive (got {jsc_ma_cm2})")
    e, y = _eqe_on_energy(energy_ev, wavelength_nm, eqe_fraction)
    kt = _kt_ev(temperature_c)
    flags: list[str] = []
    tail = urbach_mev is not None and urbach_mev > 0
    if tail:
        e, y = _with_urbach_tail(e, y, float(urbach_mev) / 1000.0, gap_ev)
        if float(urbach_mev) / 1000.0 >= kt:
            # E_U >= kT: EQE x black body grows towards low energy; J0 depends on the cut-off.
            flags.append("urbach_above_kt")
    else:
        flags.append("eqe_not_extended")
    e, y = _fine(e, y, kt)
    j0 = _trapezoid(y * black_body_flux(e, temperature_c), e)
    if not j0 > 0:
        raise ValueError("the EQE is zero everywhere: no radiative dark current")
    voc = kt * math.log(jsc_ma_cm2 / j0 + 1.0)
    return RadiativeVoc(voc, j0, float(jsc_ma_cm2), float(temperature_c), tail, flags)


def ff_ideal(voc_v: float, n: float = 1.0, temperature_c: float = 25.0) -> float:
    """Green's empirical fill factor of an ideal diode (accurate to ~1e-4 for voc > 10)."""
    voc_n = float(voc_v) / (float(n) * _kt_ev(temperature_c))
    if not voc_n > 0:
        raise ValueError(f"Voc/(n kT/q) must be positive (Voc {voc_v} V, n {n})")
    return (voc_n - math.log(voc_n + 0.72)) / (voc_n + 1.0)


def ff_with_resistances(
    ff0: float,
    voc_v: float,
    jsc_ma_cm2: float,
    rs_ohm_cm2: float | None,
    rsh_ohm_cm2: float | None,
    n: float = 1.0,
    temperature_c: float = 25.0,
) -> float:
    """Green's FF with series and shunt resistance (ohm cm2; None = ideal contact/no shunt)."""
    r_ch = float(voc_v) / (float(jsc_ma_cm2) / 1000.0)  # characteristic resistance, ohm cm2
    ff = float(ff0)
    if rs_ohm_cm2:
        rs = float(rs_ohm_cm2) / r_ch
        ff = ff * (1.0 - 1.1 * rs) + rs * rs / 5.4
    if rsh_ohm_cm2:
        voc_n = float(voc_v) / (float(n) * _kt_ev(temperature_c))
        ff = ff * (1.0 - (voc_n + 0.7) / voc_n * ff / (float(rsh_ohm_cm2) / r_ch))
    return ff


# --- the device's bandgap from its lineage ---------------------------------------------------


@dataclass(frozen=True)
class BandgapChoice:
    bandgap_ev: float | None
    source: str | None  # "eqe_inflection", "absorbance_1s", "pl_peak"
    candidates_ev: dict[str, float]
    disagree: bool
    spread_ev: float | None
    reason: str | None


BANDGAP_ORDER = ("eqe_inflection", "absorbance_1s", "pl_peak")


def choose_bandgap(
    eqe_gap_ev: float | None,
    absorbance_1s_nm: float | None,
    pl_peak_nm: float | None,
    tolerance_ev: float = 0.05,
) -> BandgapChoice:
    """EQE inflection gap, else the synthesis's absorbance 1S, else the PL peak; the sources
    disagree when any two are further apart than ``tolerance_ev``."""
    cands: dict[str, float] = {}
    if (g := opt_float(eqe_gap_ev)) and g > 0:
        cands["eqe_inflection"] = g
    for name, nm in (("absorbance_1s", absorbance_1s_nm), ("pl_peak", pl_peak_nm)):
        if (w := opt_float(nm)) and w > 0:
            cands[name] = HC_EV_NM / w
    if not cands:
        return BandgapChoice(
            None, None, {}, False, None, "no EQE gap, no absorbance 1S of the synthesis, no PL peak"
        )
    source = next(s for s in BANDGAP_ORDER if s in cands)
    spread = max(cands.values()) - min(cands.values())
    return BandgapChoice(cands[source], source, cands, spread > tolerance_ev, spread, None)


# --- every loss of one device ------------------------------------------------------------------


@dataclass(frozen=True)
class LossInputs:
    bandgap_ev: float | None = None
    bandgap_source: str | None = None
    voc_v: float | None = None
    jsc_ma_cm2: float | None = None  # from the J-V
    ff: float | None = None
    rs_ohm_cm2: float | None = None
    rsh_ohm_cm2: float | None = None
    eqe_wavelength_nm: Sequence[float] | None = None
    eqe_fraction: Sequence[float] | None = None
    eqe_jsc_ma_cm2: float | None = None  # EQE-integrated
    urbach_mev: float | None = None
    ideality_factor: float | None = None
    temperature_c: float = 25.0
    # contract key -> the measurement codes it came from (filled by the selector).
    sources: Mapping[str, list[str]] = field(default_factory=dict)
    bandgap_reason: str | None = None


# The contract keys answered null with a "<key>_reason" when an input is missing.
NULLABLE_KEYS = (
    "bandgap_ev",
    "sq_jsc_ma_cm2",
    "sq_voc_v",
    "sq_ff",
    "sq_pce_percent",
    "voc_deficit_v",
    "voc_over_sq",
    "voc_rad_v",
    "delta_voc_nonrad_v",
    "urbach_mev",
    "ff_ideal",
    "ff_resistive",
    "jsc_loss_ma_cm2",
    "jsc_eqe_shortfall_ma_cm2",
    "jsc_jv_eqe_mismatch_ma_cm2",
)


@dataclass(frozen=True)
class LossResult(ResultMixin):
    bandgap_ev: float | None
    bandgap_source: str | None
    temperature_c: float
    sq_jsc_ma_cm2: float | None
    sq_voc_v: float | None
    sq_ff: float | None
    sq_pce_percent: float | None
    voc_deficit_v: float | None  # Eg/q - Voc
    voc_over_sq: float | None  # Voc / Voc_SQ
    voc_rad_v: float | None
    delta_voc_nonrad_v: float | None  # Voc_rad - Voc
    urbach_mev: float | None
    ff_ideal: float | None  # Green, from the measured Voc and ideality
    ff_resistive: float | None  # ff_ideal with the measured Rs and Rsh
    jsc_loss_ma_cm2: float | None  # Jsc_SQ - Jsc(J-V)
    jsc_eqe_shortfall_ma_cm2: float | None  # Jsc_SQ - Jsc(EQE)
    jsc_jv_eqe_mismatch_ma_cm2: float | None  # Jsc(EQE) - Jsc(J-V)
    reasons: dict[str, str]
    sources: dict[str, list[str]]
    flags: list[str]
    method: str

    def to_dict(self) -> dict[str, Any]:
        """The contract: every key, and a ``<key>_reason`` beside each one left null."""
        out = super().to_dict()
        reasons = out.pop("reasons")
        for key, why in reasons.items():
            out[f"{key}_reason"] = why
        return out


METHOD = "; ".join((SQ_METHOD, VOC_RAD_METHOD, FF_METHOD))


def _need(reasons: dict[str, str], keys: Sequence[str], why: str) -> None:
    for key in keys:
        reasons.setdefault(key, why)


def _sq_part(inp: LossInputs, out: dict[str, Any], reasons: dict[str, str]) -> SQLimit | None:
    sq_keys = ("sq_jsc_ma_cm2", "sq_voc_v", "sq_ff", "sq_pce_percent", "voc_deficit_v")
    if inp.bandgap_ev is None:
        why = inp.bandgap_reason or "no bandgap"
        _need(reasons, ("bandgap_ev", *sq_keys, "voc_over_sq", "jsc_loss_ma_cm2"), why)
        _need(reasons, ("jsc_eqe_shortfall_ma_cm2",), why)
        return None
    try:
        sq = sq_limit(float(inp.bandgap_ev), inp.temperature_c)
    except ValueError as exc:
        _need(reasons, (*sq_keys, "voc_over_sq", "jsc_loss_ma_cm2"), str(exc))
        _need(reasons, ("jsc_eqe_shortfall_ma_cm2",), str(exc))
        return None
    out.update(
        sq_jsc_ma_cm2=sq.jsc_ma_cm2, sq_voc_v=sq.voc_v, sq_ff=sq.ff, sq_pce_percent=sq.pce_percent
    )
    return sq


def _voc_part(
    inp: LossInputs, sq: SQLimit | None, out: dict[str, Any], reasons: dict[str, str]
) -> list[str]:
    no_jv = "no light J-V with a Voc"
    if inp.voc_v is None:
        _need(reasons, ("voc_deficit_v", "voc_over_sq", "delta_voc_nonrad_v"), no_jv)
    elif sq is not None:
        out["voc_deficit_v"] = float(inp.bandgap_ev) - inp.voc_v
        out["voc_over_sq"] = inp.voc_v / sq.voc_v
    if inp.eqe_wavelength_nm is None or inp.eqe_fraction is None or not len(inp.eqe_fraction):
        _need(reasons, ("voc_rad_v", "delta_voc_nonrad_v"), "no EQE curve with a known unit")
        return []
    jsc = inp.jsc_ma_cm2 or inp.eqe_jsc_ma_cm2
    if not jsc:
        _need(reasons, ("voc_rad_v", "delta_voc_nonrad_v"), "no Jsc (J-V or EQE-integrated)")
        return []
    try:
        rad = voc_radiative(
            inp.eqe_fraction,
            jsc,
            wavelength_nm=inp.eqe_wavelength_nm,
            temperature_c=inp.temperature_c,
            urbach_mev=inp.urbach_mev,
            gap_ev=inp.bandgap_ev,
        )
    except ValueError as exc:
        _need(reasons, ("voc_rad_v", "delta_voc_nonrad_v"), f"EQE unusable: {exc}")
        return []
    out["voc_rad_v"] = rad.voc_rad_v
    if inp.voc_v is not None:
        out["delta_voc_nonrad_v"] = rad.voc_rad_v - inp.voc_v
    return rad.flags


def _ff_part(inp: LossInputs, out: dict[str, Any], reasons: dict[str, str]) -> None:
    if inp.voc_v is None or inp.voc_v <= 0:
        _need(reasons, ("ff_ideal", "ff_resistive"), "no light J-V with a positive Voc")
        return
    if not inp.ideality_factor or inp.ideality_factor <= 0:
        _need(reasons, ("ff_ideal", "ff_resistive"), "no light-intensity series with an ideality")
        return
    ff0 = ff_ideal(inp.voc_v, inp.ideality_factor, inp.temperature_c)
    out["ff_ideal"] = ff0
    if not inp.jsc_ma_cm2 or (inp.rs_ohm_cm2 is None and inp.rsh_ohm_cm2 is None):
        _need(reasons, ("ff_resistive",), "the J-V gives no Jsc, Rs or Rsh")
        return
    out["ff_resistive"] = ff_with_resistances(
        ff0,
        inp.voc_v,
        inp.jsc_ma_cm2,
        inp.rs_ohm_cm2,
        inp.rsh_ohm_cm2,
        inp.ideality_factor,
        inp.temperature_c,
    )


def _jsc_part(
    inp: LossInputs, sq: SQLimit | None, out: dict[str, Any], reasons: dict[str, str]
) -> None:
    if inp.jsc_ma_cm2 is None:
        _need(reasons, ("jsc_loss_ma_cm2", "jsc_jv_eqe_mismatch_ma_cm2"), "no light J-V Jsc")
    elif sq is not None:
        out["jsc_loss_ma_cm2"] = sq.jsc_ma_cm2 - inp.jsc_ma_cm2
    if inp.eqe_jsc_ma_cm2 is None:
        why = "no EQE-integrated Jsc"
        _need(reasons, ("jsc_eqe_shortfall_ma_cm2", "jsc_jv_eqe_mismatch_ma_cm2"), why)
        return
    if sq is not None:
        out["jsc_eqe_shortfall_ma_cm2"] = sq.jsc_ma_cm2 - inp.eqe_jsc_ma_cm2
    if inp.jsc_ma_cm2 is not None:
        out["jsc_jv_eqe_mismatch_ma_cm2"] = inp.eqe_jsc_ma_cm2 - inp.jsc_ma_cm2


def device_losses(inp: LossInputs) -> LossResult:
    """Every loss figure of one device; a figure whose input is missing is None with a reason."""
    out: dict[str, Any] = dict.fromkeys(NULLABLE_KEYS)
    reasons: dict[str, str] = {}
    out["bandgap_ev"] = opt_float(inp.bandgap_ev)
    out["urbach_mev"] = opt_float(inp.urbach_mev)
    if out["urbach_mev"] is None:
        reasons["urbach_mev"] = "no Urbach energy from the EQE tail"
    sq = _sq_part(inp, out, reasons)
    flags = _voc_part(inp, sq, out, reasons)
    _ff_part(inp, out, reasons)
    _jsc_part(inp, sq, out, reasons)
    reasons = {k: v for k, v in reasons.items() if out.get(k) is None}
    return LossResult(
        bandgap_source=inp.bandgap_source if out["bandgap_ev"] is not None else None,
        temperature_c=float(inp.temperature_c),
        reasons=reasons,
        sources={k: list(v) for k, v in inp.sources.items()},
        flags=flags,
        method=METHOD,
        **out,
    )
