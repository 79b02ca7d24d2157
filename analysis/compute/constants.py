"""Physical constants (SI 2019 exact values via scipy.constants) and small helpers."""

from __future__ import annotations

from scipy import constants as _sc

Q: float = _sc.e  # elementary charge, C
K_B: float = _sc.k  # Boltzmann constant, J/K
H: float = _sc.h  # Planck constant, J s
C: float = _sc.c  # speed of light, m/s
HC_EV_NM: float = 1239.84198  # hc/q in eV nm (rounded as in the lab's docs)
ZERO_C_IN_K: float = 273.15
STC_IRRADIANCE_MW_CM2: float = 100.0  # 1000 W/m2, AM1.5G


def thermal_voltage(temperature_c: float = 25.0) -> float:
    """k_B T / q in volts for a temperature in degrees Celsius (25.693 mV at 25 C)."""
    return K_B * (float(temperature_c) + ZERO_C_IN_K) / Q
