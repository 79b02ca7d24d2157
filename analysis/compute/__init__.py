"""Pure analysis functions of cqdlab (numpy arrays in canonical units in, plain results out).

No Django, no file parsing: callers pass arrays (V in volts, J in mA/cm2, wavelengths in nm,
times as named) and store ``result.to_dict()`` (JSON-safe, NaN -> None) with
``ANALYSIS_VERSION``.
"""

from ._common import json_safe
from ._version import ANALYSIS_VERSION
from .absorbance import (
    AbsorbanceResult,
    analyse_absorbance,
    moreels_diameter_nm,
    moreels_energy_ev,
)
from .aging import AgingResult, aggregate_series, analyse_aging
from .constants import HC_EV_NM, thermal_voltage
from .cv import CVResult, analyse_cv
from .e1036 import E1036Error, astm_e1036
from .eqe import EQEResult, analyse_eqe, jsc_mismatch
from .intensity import IntensityResult, analyse_intensity
from .jv import (
    DarkJVResult,
    JVResult,
    JVThresholds,
    analyse_dark_jv,
    analyse_jv,
    compare_with_instrument,
    hysteresis_index,
    scan_direction,
    split_scans,
)
from .mpp import MPPResult, analyse_mpp
from .pl import PLResult, analyse_pl
from .stats import (
    ExclusionThresholds,
    classify_device,
    compare_groups,
    hedges_g,
    substrate_means,
    summarise,
)
from .tpc import TPCResult, analyse_tpc
from .tpv import TPVResult, analyse_tpv
from .trpl import TRPLResult, analyse_trpl

__all__ = [
    "json_safe",
    "ANALYSIS_VERSION",
    "HC_EV_NM",
    "AbsorbanceResult",
    "AgingResult",
    "CVResult",
    "DarkJVResult",
    "E1036Error",
    "EQEResult",
    "ExclusionThresholds",
    "IntensityResult",
    "JVResult",
    "JVThresholds",
    "MPPResult",
    "PLResult",
    "TPCResult",
    "TPVResult",
    "TRPLResult",
    "aggregate_series",
    "analyse_absorbance",
    "analyse_aging",
    "analyse_cv",
    "analyse_dark_jv",
    "analyse_eqe",
    "analyse_intensity",
    "analyse_jv",
    "analyse_mpp",
    "analyse_pl",
    "analyse_tpc",
    "analyse_tpv",
    "analyse_trpl",
    "astm_e1036",
    "classify_device",
    "compare_groups",
    "compare_with_instrument",
    "hedges_g",
    "hysteresis_index",
    "jsc_mismatch",
    "moreels_diameter_nm",
    "moreels_energy_ev",
    "scan_direction",
    "split_scans",
    "substrate_means",
    "summarise",
    "thermal_voltage",
]
