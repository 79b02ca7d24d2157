"""Constants, JSON export and the package surface."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

import analysis.compute as compute
from analysis.compute._common import ResultMixin, json_safe
from analysis.compute.constants import HC_EV_NM, K_B, Q, thermal_voltage


def test_constants_are_the_si_2019_values():
    assert Q == 1.602176634e-19 and K_B == 1.380649e-23
    assert thermal_voltage(25.0) == pytest.approx(0.025693, abs=1e-6)
    assert HC_EV_NM == 1239.84198


def test_non_finite_numbers_become_none_and_numpy_types_plain_python():
    @dataclasses.dataclass(frozen=True)
    class R(ResultMixin):
        a: float
        b: tuple
        c: dict

    d = R(np.float64("nan"), (np.int64(1), np.inf), {"x": np.bool_(True)}).to_dict()
    assert d == {"a": None, "b": [1, None], "c": {"x": True}}
    json.dumps(d, allow_nan=False)
    assert json_safe(np.array([1.0, np.nan])) == [1.0, None]


def test_the_package_exports_its_version_and_every_analysis():
    assert compute.ANALYSIS_VERSION == "2.0.0"
    for name in compute.__all__:
        assert hasattr(compute, name), name
