"""The Perovskite Database / NOMAD fields of a known device: the synthetic J-V file's figures
(tests/data/synthetic/truth.json), its forward scan at 97 % of the current, its EQE, its aging
series at 100/95/85/70/60 % of the first PCE, and the PbS absorber in the schema's places."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TRUTH = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "synthetic" / "truth.json").read_text()
)


def test_a_known_device_maps_to_the_perovskite_database_fields(filled):
    from exchange import nomad
    from fabrication.models import Device

    jv, eqe, absorbance = (
        TRUTH["jv_example_a.txt"],
        TRUTH["eqe_example.txt"],
        TRUTH["abs_example.csv"],
    )
    rows = nomad.device_rows(Device.objects.filter(code="A-B1/TS1/P1"))
    row = rows[0]
    assert set(row) == set(nomad.FIELDS)
    assert row["Ref_internal_sample_id"] == "A-B1/TS1/P1"
    assert row["Cell_area_measured"] == 0.05
    assert row["Cell_stack_sequence"] == "ITO | ZnO | PbS | PbS-EDT | Au"
    assert row["Cell_architecture"] == "nip"  # ETL between the glass and the absorber
    # No perovskite: the composition stays empty, the CQD absorber fills what it can.
    assert row["Perovskite_composition_short_form"] == ""
    assert row["Perovskite_thickness"] == 370
    assert row["Perovskite_deposition_procedure"] == "spin coating"
    assert row["CQD_exciton_peak_nm"] == pytest.approx(absorbance["exciton_peak_nm"], abs=3)
    assert row["Perovskite_band_gap"] == pytest.approx(absorbance["bandgap_ev"], abs=0.005)
    assert row["CQD_absorber_material"] == "PbS" and row["CQD_ligand_family"] == "PbI2"

    assert row["JV_reverse_scan_Voc"] == pytest.approx(jv["voc_v"], abs=0.002)
    assert row["JV_reverse_scan_Jsc"] == pytest.approx(jv["jsc_ma_cm2"], rel=0.005)
    assert row["JV_reverse_scan_FF"] == pytest.approx(jv["ff"], abs=0.01)  # a fraction, 0-1
    assert row["JV_reverse_scan_PCE"] == pytest.approx(jv["pce_percent"], rel=0.01)
    assert row["JV_reverse_scan_Vmp"] == pytest.approx(jv["vmp_v"], abs=0.01)
    assert row["JV_forward_scan_PCE"] == pytest.approx(0.97 * jv["pce_percent"], rel=0.01)
    assert row["JV_forward_scan_Jsc"] == pytest.approx(0.97 * jv["jsc_ma_cm2"], rel=0.005)
    assert row["JV_default_PCE"] == row["JV_reverse_scan_PCE"]
    assert row["JV_default_PCE_scan_direction"] == "Reversed"
    assert row["JV_hysteresis_index"] == pytest.approx(0.03, abs=0.005)
    assert row["JV_light_intensity"] == 100
    assert row["EQE_measured"] is True
    assert row["EQE_integrated_Jsc"] == pytest.approx(eqe["integrated_jsc_ma_cm2"], rel=0.01)
    assert row["Stabilised_performance_measured"] is False

    # Aging in argon: 1.00, 0.95, 0.85, 0.70, 0.60 of the first PCE at 0, 24, 100, 300, 500 h;
    # 80 % is crossed between 100 h (0.85) and 300 h (0.70): 100 + 200 x 0.05/0.15.
    assert row["Stability_measured"] is True
    assert row["Stability_protocol"] == "ISOS-D-1I" and row["Stability_atmosphere"] == "Ar"
    assert row["Stability_PCE_T80"] == pytest.approx(166.7, abs=2)
    assert row["Stability_PCE_end_of_experiment"] == pytest.approx(
        0.6 * row["Stability_PCE_initial_value"], rel=0.01
    )

    nested = nomad.nested(row)
    assert nested["jv"]["reverse_scan_Voc"] == row["JV_reverse_scan_Voc"]
    assert nested["stability"]["PCE_T80"] == row["Stability_PCE_T80"]
    assert nested["perovskite_deposition"]["procedure"] == "spin coating"
    assert nested["cell"]["area_measured"] == 0.05
    assert "composition_short_form" not in nested["perovskite"]  # empty: left out


def test_a_device_without_measurements_has_empty_result_fields(filled):
    from exchange import nomad
    from fabrication.models import Device

    row = nomad.device_rows(Device.objects.filter(code="A-B1/CS1/P4"))[0]
    assert row["JV_measured"] is False and row["Stability_measured"] is False
    assert row["JV_reverse_scan_PCE"] is None and row["EQE_integrated_Jsc"] is None
    assert row["Cell_area_measured"] == 0.05
    line = nomad.as_csv([row]).splitlines()[1].split(",")
    assert line[0] == "A-B1/CS1/P4"
