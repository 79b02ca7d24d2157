"""One-diode model of a solar cell, explicit through the Lambert W function.

J = J_ph - J_0 [exp((V + J R_s) / (n V_th)) - 1] - (V + J R_s) / R_sh, generator convention
(J > 0 in the power quadrant). Currents in A/cm2 inside the maths, mA/cm2 at the edges.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import constants
from scipy.optimize import brentq
from scipy.special import wrightomega

# k_B T / q at 298.15 K (25.693 mV), the temperature every demo J-V is measured at.
THERMAL_VOLTAGE_V = constants.k * 298.15 / constants.e
STC_IRRADIANCE_MW_CM2 = 100.0

# How far one unit of the quality knob moves each parameter. A single knob keeps good and bad
# devices (and aged ones) physically coherent: better pixels gain in Jsc, Voc and FF together.
_KNOB_JPH = 0.25
_KNOB_J0 = -3.0
_KNOB_RS = -2.0
_KNOB_RSH = 2.0


@dataclass(frozen=True)
class DiodeParams:
    """One-diode parameters of one device at AM1.5G, 100 mW/cm2, 25 C."""

    j_ph_ma_cm2: float
    j0_a_cm2: float
    n: float
    rs_ohm_cm2: float
    rsh_ohm_cm2: float


@dataclass(frozen=True)
class JVFigures:
    """Figures of merit of a noise-free curve (P_max refined off the grid)."""

    voc_v: float
    jsc_ma_cm2: float
    ff: float
    pce_percent: float
    vmp_v: float
    jmp_ma_cm2: float


def current_density(p: DiodeParams, voltage_v: np.ndarray | float) -> np.ndarray:
    """J(V) in mA/cm2, generator convention."""
    v = np.asarray(voltage_v, dtype=float)
    a = p.n * THERMAL_VOLTAGE_V
    jph, j0, rs, rsh = p.j_ph_ma_cm2 * 1e-3, p.j0_a_cm2, p.rs_ohm_cm2, p.rsh_ohm_cm2
    # wrightomega(x) = W(exp(x)): the exponent never has to be evaluated, so no overflow.
    log_theta = np.log(rs * j0 * rsh / (a * (rs + rsh))) + rsh * (rs * (jph + j0) + v) / (
        a * (rs + rsh)
    )
    j = (rsh * (jph + j0) - v) / (rs + rsh) - (a / rs) * wrightomega(log_theta)
    return j * 1e3


def open_circuit_voltage(p: DiodeParams) -> float:
    """V at J = 0, from the explicit V(J) branch of the same model."""
    a = p.n * THERMAL_VOLTAGE_V
    jph, j0, rsh = p.j_ph_ma_cm2 * 1e-3, p.j0_a_cm2, p.rsh_ohm_cm2
    return float((jph + j0) * rsh - a * wrightomega(np.log(j0 * rsh / a) + rsh * (jph + j0) / a))


def jv_figures(p: DiodeParams, irradiance_mw_cm2: float = STC_IRRADIANCE_MW_CM2) -> JVFigures:
    """Voc, Jsc, FF, PCE and the maximum power point of the noise-free curve."""
    voc = open_circuit_voltage(p)
    v = np.linspace(0.0, voc, 801)
    power = v * current_density(p, v)
    k = int(np.clip(np.argmax(power), 1, len(v) - 2))
    # A parabola through the three best points puts P_max between grid points.
    y0, y1, y2 = power[k - 1 : k + 2]
    shift = 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2)
    pmax = y1 - 0.25 * (y0 - y2) * shift
    vmp = v[k] + shift * (v[1] - v[0])
    jsc = float(current_density(p, 0.0))
    return JVFigures(
        voc_v=voc,
        jsc_ma_cm2=jsc,
        ff=float(pmax / (voc * jsc)),
        pce_percent=float(100.0 * pmax / irradiance_mw_cm2),
        vmp_v=float(vmp),
        jmp_ma_cm2=float(pmax / vmp),
    )


def tuned(p: DiodeParams, knob: float) -> DiodeParams:
    """A better (knob > 0) or worse (knob < 0) version of the same device."""
    return replace(
        p,
        j_ph_ma_cm2=p.j_ph_ma_cm2 * np.exp(_KNOB_JPH * knob),
        j0_a_cm2=p.j0_a_cm2 * np.exp(_KNOB_J0 * knob),
        rs_ohm_cm2=p.rs_ohm_cm2 * np.exp(_KNOB_RS * knob),
        rsh_ohm_cm2=p.rsh_ohm_cm2 * np.exp(_KNOB_RSH * knob),
    )


def with_pce(p: DiodeParams, pce_percent: float) -> DiodeParams:
    """The device tuned along the quality knob until its PCE is exactly `pce_percent`."""

    def gap(knob: float) -> float:
        return jv_figures(tuned(p, knob)).pce_percent - pce_percent

    return tuned(p, brentq(gap, -1.5, 1.0, xtol=1e-7))
