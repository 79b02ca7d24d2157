"""Reads for a device's loss analysis (issue 16): its own lineage's inputs, in five queries.

The device's first light J-V (reverse scan preferred: its initial characterisation, as on the
dashboards), its latest EQE with a known unit, its latest light-intensity series with an
ideality, its synthesis's absorbance 1S and the latest PL peak of that synthesis or its films.
The figures themselves are computed by ``compute.losses`` (pure).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When

from fabrication.models import Device
from measurements.models import Status

from ..compute.constants import HC_EV_NM
from ..compute.losses import LossInputs, choose_bandgap, device_losses
from ..models import EQEResult, IntensityResult, JVResult, PLResult

# What the loss figures read of the device's lineage, joined when the device is read.
LOSS_DEVICE_RELATED = ("substrate__variant__ink__synthesis",)
TEMPERATURE_C = 25.0  # the detailed-balance convention; the lab's cells are measured near it


def _code(row: Any) -> list[str]:
    return [row.measurement.code] if row is not None else []


def _first_light_jv(device: Device) -> JVResult | None:
    reverse_first = Case(
        When(scan_direction="reverse", then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        JVResult.objects.filter(device=device, is_dark=False, voc_v__isnull=False)
        .filter(measurement__status=Status.SUCCEEDED)
        .select_related("measurement")
        .annotate(reverse_first=reverse_first)
        .order_by("reverse_first", "measured_at", "measurement_id", "index")
        .first()
    )


def _latest(model, where: Q):
    return (
        model.objects.filter(where, measurement__status=Status.SUCCEEDED)
        .select_related("measurement")
        .order_by("-measurement__measured_at", "-measurement_id", "index")
        .first()
    )


def _eqe_curve(eqe: EQEResult | None) -> tuple[list | None, list | None]:
    """The stored EQE curve, only when the analysis knew its unit (else the values are the
    parser's unverified reading, and a factor 100 would move Voc,rad by 120 mV)."""
    if eqe is None or not eqe.figures.get("eqe_unit"):
        return None, None
    wl, y = eqe.curve.get("wavelength_nm"), eqe.curve.get("eqe_fraction")
    if not wl or not y or len(wl) != len(y):
        return None, None
    return [float("nan") if v is None else v for v in wl], [
        float("nan") if v is None else v for v in y
    ]


def device_loss_figures(device: Device) -> dict[str, Any]:
    """The loss figures of one device (the API's contract keys), each with its sources; the
    device read with LOSS_DEVICE_RELATED."""
    ink = device.substrate.variant.ink
    synthesis = ink.synthesis if ink is not None else None
    jv = _first_light_jv(device)
    eqe = _latest(EQEResult, Q(measurement__device=device))
    intensity = _latest(
        IntensityResult, Q(measurement__device=device, ideality_factor__isnull=False)
    )
    pl = None
    if synthesis is not None:
        of_synthesis = Q(measurement__synthesis=synthesis) | Q(
            measurement__film__synthesis=synthesis
        )
        pl = _latest(PLResult, of_synthesis & Q(peak_nm__isnull=False))

    eqe_figs = eqe.figures if eqe is not None else {}
    absorbance_1s_nm = synthesis.measured_exciton_peak_nm if synthesis is not None else None
    tolerance = float(settings.BANDGAP_TOLERANCE_EV)
    gap = choose_bandgap(
        eqe_figs.get("bandgap_ev"), absorbance_1s_nm, pl.peak_nm if pl else None, tolerance
    )
    gap_sources = {
        "eqe_inflection": _code(eqe),
        "absorbance_1s": [synthesis.exciton_measurement_code or synthesis.code]
        if absorbance_1s_nm
        else [],
        "pl_peak": _code(pl),
    }
    wl, eqe_fraction = _eqe_curve(eqe)
    jv_codes, eqe_codes = _code(jv), _code(eqe)
    gap_codes = gap_sources.get(gap.source or "", [])
    inputs = LossInputs(
        bandgap_ev=gap.bandgap_ev,
        bandgap_source=gap.source,
        bandgap_reason=gap.reason,
        voc_v=jv.voc_v if jv else None,
        jsc_ma_cm2=jv.jsc_ma_cm2 if jv else None,
        ff=jv.ff if jv else None,
        rs_ohm_cm2=jv.rs_ohm_cm2 if jv else None,
        rsh_ohm_cm2=jv.rsh_ohm_cm2 if jv else None,
        eqe_wavelength_nm=wl,
        eqe_fraction=eqe_fraction,
        eqe_jsc_ma_cm2=eqe.integrated_jsc_ma_cm2 if eqe else None,
        urbach_mev=eqe_figs.get("urbach_mev"),
        ideality_factor=intensity.ideality_factor if intensity else None,
        temperature_c=TEMPERATURE_C,
        sources={
            "bandgap_ev": gap_codes,
            "sq_limits": gap_codes,
            "voc_deficit_v": [*gap_codes, *jv_codes],
            "voc_rad_v": [*eqe_codes, *(jv_codes or eqe_codes)],
            "delta_voc_nonrad_v": [*eqe_codes, *jv_codes],
            "urbach_mev": eqe_codes,
            "ff_ideal": [*jv_codes, *_code(intensity)],
            "ff_resistive": [*jv_codes, *_code(intensity)],
            "jsc_loss_ma_cm2": [*gap_codes, *jv_codes],
            "jsc_eqe_shortfall_ma_cm2": [*gap_codes, *eqe_codes],
            "jsc_jv_eqe_mismatch_ma_cm2": [*eqe_codes, *jv_codes],
        },
    )
    out = device_losses(inputs).to_dict()
    out.update(_bandgap_extras(gap, gap_sources, tolerance, eqe_figs, absorbance_1s_nm))
    out["device"] = device.code
    out["measured"] = {
        "voc_v": inputs.voc_v,
        "jsc_ma_cm2": inputs.jsc_ma_cm2,
        "ff": inputs.ff,
        "pce_percent": jv.pce_percent if jv else None,
        "eqe_jsc_ma_cm2": inputs.eqe_jsc_ma_cm2,
        "ideality_factor": inputs.ideality_factor,
    }
    return out


def _bandgap_extras(
    gap, gap_sources: dict, tolerance: float, eqe_figs: dict, absorbance_1s_nm: float | None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "bandgap_candidates_ev": gap.candidates_ev,
        "bandgap_candidate_sources": {k: gap_sources[k] for k in gap.candidates_ev},
        "bandgap_sources_disagree": gap.disagree,
        "bandgap_spread_ev": gap.spread_ev,
        "bandgap_tolerance_ev": tolerance,
    }
    eqe_1s_nm = eqe_figs.get("eqe_1s_peak_nm")
    out["eqe_1s_peak_nm"] = eqe_1s_nm
    out["absorbance_1s_nm"] = absorbance_1s_nm
    # Film (in the device) vs solution: ligand exchange and close packing red-shift the 1S.
    if eqe_1s_nm and absorbance_1s_nm:
        out["film_vs_solution_1s_shift_mev"] = 1000.0 * (
            HC_EV_NM / eqe_1s_nm - HC_EV_NM / absorbance_1s_nm
        )
    else:
        out["film_vs_solution_1s_shift_mev"] = None
        out["film_vs_solution_1s_shift_mev_reason"] = "needs the EQE 1S peak and the absorbance 1S"
    if gap.disagree:
        out.setdefault("flags", []).append("bandgap_sources_disagree")
    return out
