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


# --- UV-vis-NIR absorbance: what a first exciton of PbS dots can look like ---------------------

# Where UV-vis-NIR spectrophotometers change detector, lamp or grating when the file does not
# say (PerkinElmer writes its own in the header, read by its parser): each changeover can leave
# a step that a derivative reads as an exciton. Matched case-insensitively against the
# instrument name. Lambda 750-1050: detector (and grating) 860.8 nm, lamp 319.2 nm (the
# factory settings, as the real Lambda 950/1050 headers in tests/data/real/uvvis write them);
# Agilent Cary 5000/6000i/7000: detector changeover 800 nm (factory default).
INSTRUMENT_CHANGEOVERS_NM: tuple[tuple[str, tuple[float, ...]], ...] = (
    (r"lambda\s*(750|850|900|950|1050)", (319.2, 860.8)),
    (r"cary\s*(5000|6000i?|7000)", (800.0,)),
)
# Accepted half width at half maximum (low-energy side) of a 1S exciton of PbS dots: the most
# monodisperse ensembles reach ~20-25 meV, broad polydisperse films ~150-200 meV. A narrower
# "exciton" is an instrument step or a narrow molecular band, a broader one a background bend.
EXCITON_HWHM_MIN_MEV: float = 20.0
EXCITON_HWHM_MAX_MEV: float = 250.0
# An exciton must stand this many noise standard deviations above its fitted background...
EXCITON_MIN_SNR: float = 5.0
# ...and above what a spectrophotometer's baseline does on its own: flatness and photometric
# accuracy of ~0.001-0.003 A, drifts of a few mA near a detector changeover (the real Lambda
# 950 file climbs 0.004 A over the 30 nm before 860.8 nm). A smaller bump sizes nothing.
EXCITON_MIN_PROMINENCE: float = 0.005
# Within 2 sigma of a changeover, the 1S must also be this many times the step found there.
STEP_PROMINENCE_FACTOR: float = 5.0

# --- EQE --------------------------------------------------------------------------------------

# A maximum of dEQE/dE counts as an absorption edge when it reaches this fraction of the
# largest one (a weak 1S edge below a steep continuum reaches ~0.2-0.4 of it)...
EDGE_MIN_RELATIVE_SLOPE: float = 0.10
# ...and the EQE rise across it exceeds this many noise standard deviations.
EDGE_MIN_SNR: float = 5.0
# Urbach fit: the tail between this multiple of the noise floor and this fraction of the EQE at
# the gap (above it the edge is no longer exponential), over at least this many decades.
URBACH_FLOOR_FACTOR: float = 10.0
URBACH_TOP_FRACTION: float = 0.3
URBACH_MIN_DECADES: float = 1.0
