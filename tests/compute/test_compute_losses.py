"""Detailed-balance limits and device losses (analysis/compute/losses.py), no database."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import lambertw

from analysis.compute import losses
from analysis.compute.constants import HC_EV_NM, K_B, C, H, Q


@pytest.mark.parametrize(
    ("gap", "jsc", "voc", "ff", "pce"),
    [(1.05, 45.6, 0.81, 0.86, 31.9), (1.34, 35.0, 1.08, 0.89, 33.7)],
)
def test_the_sq_limit_matches_the_issue_reference_points_within_one_percent(gap, jsc, voc, ff, pce):
    sq = losses.sq_limit(gap)
    assert sq.jsc_ma_cm2 == pytest.approx(jsc, rel=0.01)
    assert sq.voc_v == pytest.approx(voc, rel=0.01)
    assert sq.ff == pytest.approx(ff, rel=0.01)
    assert sq.pce_percent == pytest.approx(pce, rel=0.01)
    assert "G173" in sq.spectrum and sq.temperature_c == 25.0


def test_the_sq_efficiency_peaks_near_1_34_ev_at_about_33_7_percent():
    gaps = np.arange(1.0, 1.6, 0.01)
    pce = [losses.sq_limit(round(float(g), 2)).pce_percent for g in gaps]
    best = float(gaps[int(np.argmax(pce))])
    assert 1.30 <= best <= 1.40
    assert max(pce) == pytest.approx(33.7, abs=0.3)


def test_the_sq_dark_current_equals_the_boltzmann_closed_form():
    # For Eg >> kT: J0 = q 2pi/(h^3 c^2) kT (Eg^2 + 2 Eg kT + 2 kT^2) exp(-Eg/kT) (energies in J).
    gap = 1.2
    kt = K_B * 298.15
    eg = gap * Q
    per_m2 = 2 * math.pi / (H**3 * C**2) * kt * (eg**2 + 2 * eg * kt + 2 * kt**2)
    j0 = Q * per_m2 * math.exp(-eg / kt) * 0.1
    assert losses.sq_limit(gap).j0_ma_cm2 == pytest.approx(j0, rel=1e-3)


def test_the_sq_fill_factor_is_the_exact_ideal_diode_maximum():
    sq = losses.sq_limit(1.3)
    vt = K_B * 298.15 / Q
    ratio = sq.jsc_ma_cm2 / sq.j0_ma_cm2 + 1
    v = float(np.real(lambertw(math.e * ratio))) - 1
    ff = v * vt * (sq.jsc_ma_cm2 - sq.j0_ma_cm2 * math.expm1(v)) / (sq.voc_v * sq.jsc_ma_cm2)
    assert sq.ff == pytest.approx(ff, rel=1e-9)
    # Green's expression agrees with the exact one to 1e-3 at these voltages.
    assert losses.ff_ideal(sq.voc_v) == pytest.approx(sq.ff, abs=1e-3)


def test_it_refuses_a_gap_outside_the_solar_table():
    with pytest.raises(ValueError, match="outside the AM1.5G table"):
        losses.sq_limit(5.0)


def test_a_step_eqe_gives_the_sq_voc_by_reciprocity():
    gap = 1.34
    sq = losses.sq_limit(gap)
    energy = np.linspace(gap, 4.4, 3000)
    rad = losses.voc_radiative(np.ones_like(energy), sq.jsc_ma_cm2, energy_ev=energy)
    assert rad.voc_rad_v == pytest.approx(sq.voc_v, abs=1e-4)
    assert rad.j0_rad_ma_cm2 == pytest.approx(sq.j0_ma_cm2, rel=1e-3)
    assert "eqe_not_extended" in rad.flags


def test_the_eqe_can_be_given_against_wavelength_in_any_order():
    gap = 1.3
    energy = np.linspace(gap, 3.0, 800)
    by_energy = losses.voc_radiative(np.full(energy.size, 0.8), 30.0, energy_ev=energy)
    by_nm = losses.voc_radiative(
        np.full(energy.size, 0.8), 30.0, wavelength_nm=HC_EV_NM / energy[::-1]
    )
    assert by_nm.voc_rad_v == pytest.approx(by_energy.voc_rad_v, abs=1e-6)


def test_the_urbach_extended_integral_converges_to_the_closed_form():
    # EQE = 1 above Eg, exp((E - Eg)/Eu) below, with Eu < kT: the tail adds a finite, known
    # amount, J0_tail = bb(Eg) / (1/Eu - 1/kT) to first order in the E^2 prefactor.
    gap, eu_mev = 1.3, 15.0
    energy = np.linspace(gap, 4.0, 3000)
    step = losses.voc_radiative(np.ones_like(energy), 30.0, energy_ev=energy)
    tailed = losses.voc_radiative(
        np.ones_like(energy), 30.0, energy_ev=energy, urbach_mev=eu_mev, gap_ev=gap
    )
    e = np.linspace(gap - 1.0, gap, 400_001)
    exact_tail = float(
        np.trapezoid(np.exp((e - gap) / (eu_mev / 1000)) * losses.black_body_flux(e), e)
    )
    assert tailed.j0_rad_ma_cm2 - step.j0_rad_ma_cm2 == pytest.approx(exact_tail, rel=2e-3)
    assert tailed.tail_used and "urbach_above_kt" not in tailed.flags
    assert tailed.voc_rad_v < step.voc_rad_v


def test_a_noisy_measured_tail_is_replaced_by_the_fitted_urbach_tail():
    gap, eu = 1.3, 0.020
    energy = np.linspace(0.9, 2.5, 1601)
    clean = np.where(energy >= gap, 1.0, np.exp((energy - gap) / eu))
    noisy = np.maximum(clean, 1e-3)  # the instrument's noise floor under the tail
    raw = losses.voc_radiative(noisy, 30.0, energy_ev=energy)
    fitted = losses.voc_radiative(noisy, 30.0, energy_ev=energy, urbach_mev=20.0, gap_ev=gap)
    ideal = losses.voc_radiative(clean, 30.0, energy_ev=energy)
    assert fitted.voc_rad_v == pytest.approx(ideal.voc_rad_v, abs=2e-3)
    assert raw.voc_rad_v < fitted.voc_rad_v - 0.05  # the floor would dominate J0


def test_a_broad_urbach_tail_is_flagged():
    energy = np.linspace(1.3, 3.0, 500)
    rad = losses.voc_radiative(np.ones_like(energy), 30.0, energy_ev=energy, urbach_mev=35.0)
    assert "urbach_above_kt" in rad.flags


def test_ff_ideal_reproduces_greens_textbook_example():
    # Green, Solar Cells (1982): Voc = 0.6 V, n = 1, 300 K -> voc = 23.2, FF0 = 0.828.
    assert losses.ff_ideal(0.6, 1.0, 26.85) == pytest.approx(0.828, abs=5e-4)
    assert losses.ff_ideal(0.6, 2.0, 26.85) < losses.ff_ideal(0.6, 1.0, 26.85)


def test_series_and_shunt_resistance_lower_the_fill_factor():
    ff0 = losses.ff_ideal(0.6)
    rs_only = losses.ff_with_resistances(ff0, 0.6, 30.0, 2.0, None)
    both = losses.ff_with_resistances(ff0, 0.6, 30.0, 2.0, 500.0)
    # rs = 2 / 20 = 0.1: FF0 (1 - 0.11) + 0.01/5.4
    assert rs_only == pytest.approx(ff0 * 0.89 + 0.01 / 5.4)
    assert both < rs_only < ff0
    assert losses.ff_with_resistances(ff0, 0.6, 30.0, None, None) == ff0


def test_the_bandgap_prefers_the_eqe_and_flags_sources_that_disagree():
    chosen = losses.choose_bandgap(1.30, 950.0, 1000.0, tolerance_ev=0.05)
    assert chosen.bandgap_ev == 1.30 and chosen.source == "eqe_inflection"
    assert chosen.disagree  # 1.30 vs 1.305 vs 1.240 eV
    agree = losses.choose_bandgap(None, 950.0, 952.0)
    assert agree.source == "absorbance_1s" and not agree.disagree
    assert agree.bandgap_ev == pytest.approx(HC_EV_NM / 950.0)
    assert losses.choose_bandgap(None, None, 1000.0).source == "pl_peak"
    none = losses.choose_bandgap(None, None, None)
    assert none.bandgap_ev is None and "no EQE gap" in none.reason


def _eqe(gap: float = 1.3) -> tuple[list[float], list[float]]:
    energy = np.linspace(1.1, 2.5, 300)
    eqe = np.where(energy >= gap, 0.8, 0.8 * np.exp((energy - gap) / 0.02))
    return list(HC_EV_NM / energy), list(eqe)


def test_device_losses_give_every_figure_with_complete_inputs():
    wl, eqe = _eqe()
    out = losses.device_losses(
        losses.LossInputs(
            bandgap_ev=1.3,
            bandgap_source="eqe_inflection",
            voc_v=0.65,
            jsc_ma_cm2=28.0,
            ff=0.7,
            rs_ohm_cm2=3.0,
            rsh_ohm_cm2=800.0,
            eqe_wavelength_nm=wl,
            eqe_fraction=eqe,
            eqe_jsc_ma_cm2=27.0,
            urbach_mev=20.0,
            ideality_factor=1.4,
            sources={"voc_v": ["JV-1"], "voc_rad_v": ["EQE-1", "JV-1"]},
        )
    ).to_dict()
    sq = losses.sq_limit(1.3)
    assert out["voc_deficit_v"] == pytest.approx(0.65)
    assert out["sq_voc_v"] == pytest.approx(sq.voc_v)
    assert out["voc_over_sq"] == pytest.approx(0.65 / sq.voc_v)
    assert out["delta_voc_nonrad_v"] == pytest.approx(out["voc_rad_v"] - 0.65)
    assert 0.65 < out["voc_rad_v"] < sq.voc_v
    assert out["ff_ideal"] == pytest.approx(losses.ff_ideal(0.65, 1.4))
    assert out["ff_resistive"] < out["ff_ideal"]
    assert out["jsc_loss_ma_cm2"] == pytest.approx(sq.jsc_ma_cm2 - 28.0)
    assert out["jsc_eqe_shortfall_ma_cm2"] == pytest.approx(sq.jsc_ma_cm2 - 27.0)
    assert out["jsc_jv_eqe_mismatch_ma_cm2"] == pytest.approx(-1.0)
    assert not [k for k in out if k.endswith("_reason")]
    assert out["sources"]["voc_rad_v"] == ["EQE-1", "JV-1"]
    assert "Green" in out["method"] and "reciprocity" in out["method"]


def test_missing_inputs_leave_the_figures_empty_with_the_reason():
    out = losses.device_losses(
        losses.LossInputs(bandgap_ev=1.3, bandgap_source="absorbance_1s", voc_v=0.6)
    ).to_dict()
    assert out["sq_pce_percent"] is not None and out["voc_deficit_v"] == pytest.approx(0.7)
    for key in ("voc_rad_v", "delta_voc_nonrad_v"):
        assert out[key] is None and "no EQE curve" in out[f"{key}_reason"]
    assert out["ff_ideal"] is None and "ideality" in out["ff_ideal_reason"]
    assert out["urbach_mev"] is None and out["urbach_mev_reason"]
    assert out["jsc_loss_ma_cm2"] is None and "Jsc" in out["jsc_loss_ma_cm2_reason"]
    assert "sq_pce_percent_reason" not in out


def test_without_a_bandgap_the_limits_are_empty_and_say_why():
    out = losses.device_losses(
        losses.LossInputs(voc_v=0.6, jsc_ma_cm2=25.0, bandgap_reason="no gap anywhere")
    ).to_dict()
    assert out["bandgap_ev"] is None and out["bandgap_source"] is None
    for key in ("bandgap_ev", "sq_jsc_ma_cm2", "sq_voc_v", "voc_deficit_v", "jsc_loss_ma_cm2"):
        assert out[key] is None and out[f"{key}_reason"] == "no gap anywhere"
