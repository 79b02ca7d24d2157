"""Reads for a device's loss analysis (issue 16): its own lineage's inputs, in six queries.

The device's first light J-V (reverse scan preferred: its initial characterisation, as on the
dashboards), its latest EQE with a known unit, its latest light-intensity series with an
ideality, its synthesis's absorbance 1S and the latest PL peak of that synthesis or its films.
The figures themselves are computed by ``compute.losses`` (pure). ``loss_rows`` does the same
for many devices in a fixed number of queries (the project and variant pages, the exports);
``variant_summaries`` turns its rows into medians with quartiles and N per variant. The spectral
mismatch factor (IEC 60904-7) joins when the device's project holds a reference cell response
and a simulator spectrum (``SpectralReference``).

Each device's figures are stored (``DeviceLoss``): the analysis pipeline writes them again when
an input of the device is stored (``refresh_losses``, once per device per chunk), a reference
upload rewrites its project's, a change of a synthesis's 1S marks its devices' rows outdated.
The pages and the API read the stored rows (``loss_rows``, ``loss_columns``) and compute and
store any row that is missing or of another LOSS_VERSION; ``reanalyse --losses`` does that
ahead of time.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from fabrication.models import Device
from measurements.models import Status

from ..compute import ANALYSIS_VERSION
from ..compute.constants import HC_EV_NM
from ..compute.losses import LossInputs, LossResult, choose_bandgap, device_losses
from ..compute.mismatch import corrected_jsc, spectral_mismatch, sr_from_eqe
from ..models import (
    AbsorbanceResult,
    DeviceLoss,
    EQEResult,
    IntensityResult,
    JVResult,
    PLResult,
    SpectralReference,
)

# What the loss figures read of the device's lineage, joined when the device is read.
LOSS_DEVICE_RELATED = ("substrate__variant__ink__synthesis",)
TEMPERATURE_C = 25.0  # the detailed-balance convention; the lab's cells are measured near it


def _code(row: Any) -> list[str]:
    return [row.measurement.code] if row is not None else []


def _reverse_first() -> Case:
    return Case(
        When(scan_direction="reverse", then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def _first_light_jv(device: Device) -> JVResult | None:
    return (
        JVResult.objects.filter(device=device, is_dark=False, voc_v__isnull=False)
        .filter(measurement__status=Status.SUCCEEDED)
        .select_related("measurement")
        .annotate(reverse_first=_reverse_first())
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
    """The loss figures of one device (the API's contract keys), each with its sources: its
    stored row, computed and stored now if missing or outdated."""
    stored = (
        DeviceLoss.objects.filter(device=device, analysis_version=LOSS_VERSION)
        .values_list("figures", flat=True)
        .first()
    )
    return stored if stored is not None else store_losses([device.pk])[device.pk]


def compute_device_loss_figures(device: Device) -> dict[str, Any]:
    """``device_loss_figures`` computed now from the device's inputs, nothing stored (the
    reference the stored rows are tested against); the device read with LOSS_DEVICE_RELATED."""
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
    refs = spectral_references([device.project_id]).get(device.project_id, {})
    return _figures(device.code, synthesis, jv, eqe, intensity, pl, refs)


def _figures(
    device_code: str,
    synthesis: Any,
    jv: JVResult | None,
    eqe: EQEResult | None,
    intensity: IntensityResult | None,
    pl: PLResult | None,
    refs: dict[str, SpectralReference],
) -> dict[str, Any]:
    """Every loss figure of one device from its already-read inputs."""
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
            **dict.fromkeys(("sq_jsc_ma_cm2", "sq_voc_v", "sq_ff", "sq_pce_percent"), gap_codes),
            **dict.fromkeys(("voc_v", "jsc_ma_cm2", "ff", "pce_percent"), jv_codes),
            "voc_over_sq": [*gap_codes, *jv_codes],
            "ideality_factor": _code(intensity),
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
    out = _as_dict(device_losses(inputs))
    extras = _bandgap_extras(gap, gap_sources, tolerance, eqe_figs, absorbance_1s_nm)
    out["flags"] = [*out["flags"], *extras.pop("flags", [])]
    out.update(extras)
    out.update(_mismatch_part(refs, eqe, inputs.jsc_ma_cm2, jv_codes))
    out["device"] = device_code
    out["measured"] = {
        "voc_v": inputs.voc_v,
        "jsc_ma_cm2": inputs.jsc_ma_cm2,
        "ff": inputs.ff,
        "pce_percent": jv.pce_percent if jv else None,
        "eqe_jsc_ma_cm2": inputs.eqe_jsc_ma_cm2,
        "ideality_factor": inputs.ideality_factor,
    }
    return out


_LOSS_FIELDS = tuple(f.name for f in dataclasses.fields(LossResult))


def _as_dict(result: LossResult) -> dict[str, Any]:
    """``LossResult.to_dict()`` without its generic JSON walk (10,000 devices a page): the
    fields are floats, None, strings and flat lists and dicts of them; NaN becomes None."""
    out: dict[str, Any] = {}
    for name in _LOSS_FIELDS:
        value = getattr(result, name)
        if isinstance(value, float):
            value = float(value) if math.isfinite(value) else None
        out[name] = value
    for key, why in out.pop("reasons").items():
        out[f"{key}_reason"] = why
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


# --- the spectral mismatch factor (IEC 60904-7) -----------------------------------------------


def spectral_references(project_ids: Iterable[int]) -> dict[int, dict[str, SpectralReference]]:
    """Per project, the latest reference cell response and simulator spectrum (one query)."""
    out: dict[int, dict[str, SpectralReference]] = defaultdict(dict)
    rows = SpectralReference.objects.filter(project_id__in=list(project_ids)).order_by(
        "project_id", "kind", "-created_at", "-id"
    )
    for ref in rows:
        out[ref.project_id].setdefault(ref.kind, ref)
    return out


MISMATCH_KEYS = ("mismatch_factor", "jsc_corrected_ma_cm2")


def _mismatch_part(
    refs: dict[str, SpectralReference],
    eqe: EQEResult | None,
    jsc_ma_cm2: float | None,
    jv_codes: list[str],
) -> dict[str, Any]:
    """M and the corrected Jsc, or both null with the reason; the sources name the two files."""
    out: dict[str, Any] = dict.fromkeys(MISMATCH_KEYS)
    ref_sr = refs.get(SpectralReference.Kind.REFERENCE_SR)
    lamp = refs.get(SpectralReference.Kind.LAMP_SPECTRUM)
    wl, eqe_fraction = _eqe_curve(eqe)
    missing = [
        what
        for what, there in (
            ("no reference cell spectral response uploaded to the project", ref_sr),
            ("no solar simulator spectrum uploaded to the project", lamp),
            ("no EQE curve with a known unit", wl),
        )
        if there is None
    ]
    out["mismatch_sources"] = [r.code for r in (ref_sr, lamp) if r is not None] + _code(eqe)
    if missing:
        out["mismatch_factor_reason"] = "; ".join(missing)
        out["jsc_corrected_ma_cm2_reason"] = out["mismatch_factor_reason"]
        return out
    test_wl = np.asarray(wl, dtype=float)
    try:
        result = spectral_mismatch(
            reference_sr_wavelength_nm=ref_sr.wavelength_nm,
            reference_sr=ref_sr.values,
            simulator_wavelength_nm=lamp.wavelength_nm,
            simulator_irradiance=lamp.values,
            test_sr_wavelength_nm=test_wl,
            test_sr=sr_from_eqe(test_wl, eqe_fraction),
        )
    except ValueError as exc:
        out["mismatch_factor_reason"] = out["jsc_corrected_ma_cm2_reason"] = str(exc)
        return out
    out["mismatch_factor"] = result.mismatch_factor
    out["mismatch_flags"] = result.flags
    out["mismatch_method"] = result.method
    if jsc_ma_cm2 is None:
        out["jsc_corrected_ma_cm2_reason"] = "no light J-V Jsc"
    else:
        out["jsc_corrected_ma_cm2"] = corrected_jsc(jsc_ma_cm2, result.mismatch_factor)
        out["mismatch_sources"] = [*out["mismatch_sources"], *jv_codes]
    return out


# --- many devices at once: the project and variant pages, the exports --------------------------


def _first_per(rows: Iterable[Any], key: str) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for row in rows:
        out.setdefault(getattr(row, key), row)
    return out


def kept(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows the variant medians and the project plots use."""
    return [r for r in rows if not r.get("excluded")]


# Figures summarised per variant: medians with quartiles and N (the measured ones included).
SUMMARY_KEYS = (
    "bandgap_ev",
    "sq_pce_percent",
    "sq_voc_v",
    "sq_ff",
    "sq_jsc_ma_cm2",
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
    "mismatch_factor",
    "jsc_corrected_ma_cm2",
    "voc_v",
    "jsc_ma_cm2",
    "ff",
    "pce_percent",
    "ideality_factor",
)


def value_of(row: dict[str, Any], key: str) -> float | None:
    """A figure of a loss row, the measured ones (Voc, Jsc, FF, PCE, n) included."""
    value = row.get(key)
    if value is None and key in row.get("measured", {}):
        value = row["measured"][key]
    return float(value) if isinstance(value, (int, float)) and np.isfinite(value) else None


def figure_column(rows: Sequence[dict[str, Any]], key: str) -> np.ndarray:
    """``value_of`` of every row as one float array (NaN where missing): one pass over the
    rows, the measured fallback only for full rows (the stored columns hold every key)."""
    out = np.array([r.get(key) for r in rows], dtype=float)
    if rows and "measured" in rows[0] and np.isnan(out).any():
        out = np.array([value_of(r, key) for r in rows], dtype=float)
    out[~np.isfinite(out)] = np.nan
    return out


def _spread(a: np.ndarray) -> dict[str, float | int | None]:
    a = a[~np.isnan(a)]
    if not a.size:
        return {"median": None, "q1": None, "q3": None, "n": 0}
    q1, med, q3 = np.percentile(a, [25, 50, 75])
    return {"median": float(med), "q1": float(q1), "q3": float(q3), "n": int(a.size)}


def variant_summaries(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per variant (in the rows' order): its batch, recipe and synthesis, the devices kept and
    left out (``kept``), and for each figure the median, quartiles (IQR) and N of the kept
    devices that have it. ``characterised`` holds the same over the kept devices with a
    radiative Voc (an EQE): the waterfall takes its medians from one set of devices, so the
    SQ limit and the radiative Voc come from the same gaps. Each figure is read once into an
    array for all rows (10,000 devices a page), then cut per variant."""
    by_variant: dict[int, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_variant[row["variant_id"]].append(i)
    inside = np.array([not r.get("excluded") for r in rows], dtype=bool)
    columns = {k: figure_column(rows, k) for k in SUMMARY_KEYS}
    with_rad = inside & ~np.isnan(columns["voc_rad_v"])
    out = []
    for members in by_variant.values():
        first = rows[members[0]]
        idx = np.asarray(members)
        mine, full = idx[inside[idx]], idx[with_rad[idx]]
        sources = sorted({rows[i]["bandgap_source"] for i in mine if rows[i].get("bandgap_source")})
        out.append(
            {
                "variant": first["variant"],
                "variant_code": first["variant_code"],
                "variant_id": first["variant_id"],
                "batch": first["batch"],
                "recipe": first["recipe"],
                "ligand_family": first["ligand_family"],
                "synthesis": first["synthesis"],
                "n_devices": int(mine.size),
                "n_excluded": len(members) - int(mine.size),
                "bandgap_sources": sources,
                "figures": {k: _spread(columns[k][mine]) for k in SUMMARY_KEYS},
                "n_characterised": int(full.size),
                "characterised": {k: _spread(columns[k][full]) for k in SUMMARY_KEYS},
            }
        )
    return out


def overlay_panels(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per synthesis of the rows: the EQE of its best device that has one, over the latest
    absorbance of the synthesis in solution and of its films (two queries)."""
    best: dict[int, dict[str, Any]] = {}
    for row in rows:
        sid = row.get("synthesis_id")
        if sid is None or not row.get("eqe_result_id"):
            continue
        pce = value_of(row, "pce_percent") or 0.0
        if sid not in best or pce > (value_of(best[sid], "pce_percent") or 0.0):
            best[sid] = row
    syntheses = {r["synthesis_id"]: r["synthesis"] for r in rows if r.get("synthesis_id")}
    if not syntheses:
        return []
    absorbances = (
        AbsorbanceResult.objects.filter(measurement__status=Status.SUCCEEDED)
        .filter(
            Q(measurement__synthesis__in=list(syntheses))
            | Q(measurement__film__synthesis__in=list(syntheses))
        )
        .select_related("measurement")
        .only(
            "curve",
            "exciton_peak_nm",
            "measurement__code",
            "measurement__synthesis_id",
            "measurement__film_id",
        )
        .annotate(
            synthesis_key=Coalesce(
                "measurement__synthesis_id", "measurement__film__synthesis_id", Value(0)
            )
        )
        .order_by("synthesis_key", "-measurement__measured_at", "-measurement_id", "index")
    )
    # The EQE curves of the chosen devices only (one per synthesis), not of every row.
    eqe_curves = {
        e.id: {
            "wavelength_nm": e.curve.get("wavelength_nm", []),
            "eqe_fraction": e.curve.get("eqe_fraction", []),
            "peak_nm": e.figures.get("eqe_1s_peak_nm"),
        }
        for e in EQEResult.objects.filter(id__in=[r["eqe_result_id"] for r in best.values()]).only(
            "curve", "figures"
        )
    }
    spectra: dict[tuple[int, str], AbsorbanceResult] = {}
    for a in absorbances:
        kind = "film" if a.measurement.film_id else "solution"
        spectra.setdefault((a.synthesis_key, kind), a)
    panels = []
    for sid, code in sorted(syntheses.items(), key=lambda kv: kv[1]):
        eqe_row = best.get(sid)
        panel: dict[str, Any] = {"title": code, "absorbance": []}
        peaks = []
        eqe = eqe_curves.get(eqe_row["eqe_result_id"]) if eqe_row is not None else None
        if eqe is not None:
            panel["eqe"] = {"label": eqe_row["device"], **eqe}
            peaks.append(eqe.get("peak_nm"))
        for kind in ("solution", "film"):
            a = spectra.get((sid, kind))
            if a is not None:
                panel["absorbance"].append(
                    {
                        "kind": kind,
                        "label": a.measurement.code,
                        "wavelength_nm": a.curve.get("wavelength_nm", []),
                        "absorbance": a.curve.get("absorbance", []),
                        "peak_nm": a.exciton_peak_nm,
                    }
                )
                peaks.append(a.exciton_peak_nm)
        peaks = [p for p in peaks if p]
        if peaks:
            panel["range_nm"] = [min(peaks) - 350.0, max(peaks) + 250.0]
        if panel.get("eqe") or panel["absorbance"]:
            panels.append(panel)
    return panels


# --- the stored rows (DeviceLoss): written when an input changes, read by the pages ------------


# Device metadata every loss row carries beside its stored figures, read live: a device's
# status, variant or recipe may change without any measurement changing.
_V = "substrate__variant__"
_META = (
    "id",
    "code",
    "project_id",
    "status",
    f"{_V}id",
    f"{_V}name",
    f"{_V}code",
    f"{_V}batch__code",
    f"{_V}ink__recipe__code",
    f"{_V}ink__recipe__ligand_family",
    f"{_V}ink__synthesis_id",
    f"{_V}ink__synthesis__code",
)
# The stored figures are those of this analysis version; any other is rebuilt when read.
LOSS_VERSION = f"{ANALYSIS_VERSION}/losses-1"
# Columns of DeviceLoss the project page reads instead of the full JSON row.
COLUMN_KEYS = (*SUMMARY_KEYS, "bandgap_source", "absorbance_1s_nm")
STORE_CHUNK = 2000


def compute_loss_figures(devices: QuerySet[Device]) -> dict[int, tuple[dict[str, Any], int | None]]:
    """Per device id: its loss figures computed now from its inputs (what ``DeviceLoss`` stores)
    and the id of the EQE result whose curve it used, in seven queries whatever their number."""
    v = _V
    device_list = list(
        devices.order_by().values(
            "id",
            "code",
            "project_id",
            f"{v}ink__synthesis_id",
            f"{v}ink__synthesis__code",
            f"{v}ink__synthesis__measured_exciton_peak_nm",
            f"{v}ink__synthesis__exciton_measurement_code",
        )
    )
    if not device_list:
        return {}
    ids = [d["id"] for d in device_list]
    done = Q(measurement__status=Status.SUCCEEDED)
    # Each device's first light scan only (a device may hold hundreds of aging scans): ranked
    # in the database by a window function, so only one row per device comes back.
    ranked = (
        JVResult.objects.filter(done, device__in=ids, is_dark=False, voc_v__isnull=False)
        .annotate(reverse_first=_reverse_first())
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("device_id")],
                order_by=[F("reverse_first"), F("measured_at"), F("measurement_id"), F("index")],
            )
        )
        .filter(rank=1)
        .values(
            "device_id",
            "voc_v",
            "jsc_ma_cm2",
            "ff",
            "pce_percent",
            "rs_ohm_cm2",
            "rsh_ohm_cm2",
            "measurement__code",
        )
    )
    jvs = {
        r["device_id"]: SimpleNamespace(
            **r, measurement=SimpleNamespace(code=r["measurement__code"])
        )
        for r in ranked
    }
    newest = ("-measurement__measured_at", "-measurement_id", "index")
    eqes = _first_per(
        EQEResult.objects.filter(done, measurement__device__in=ids)
        .select_related("measurement")
        .only(
            "figures",
            "curve",
            "integrated_jsc_ma_cm2",
            "measurement__code",
            "measurement__device_id",
        )
        .annotate(device_key=Coalesce("measurement__device_id", Value(0)))
        .order_by("measurement__device_id", *newest),
        "device_key",
    )
    intensities = _first_per(
        IntensityResult.objects.filter(
            done, measurement__device__in=ids, ideality_factor__isnull=False
        )
        .select_related("measurement")
        .only("ideality_factor", "measurement__code", "measurement__device_id")
        .annotate(device_key=Coalesce("measurement__device_id", Value(0)))
        .order_by("measurement__device_id", *newest),
        "device_key",
    )
    syntheses = {d[f"{v}ink__synthesis_id"] for d in device_list} - {None}
    pls = _first_per(
        PLResult.objects.filter(done, peak_nm__isnull=False)
        .filter(
            Q(measurement__synthesis__in=syntheses) | Q(measurement__film__synthesis__in=syntheses)
        )
        .select_related("measurement")
        .only("peak_nm", "measurement__code")
        .annotate(
            synthesis_key=Coalesce(
                "measurement__synthesis_id", "measurement__film__synthesis_id", Value(0)
            )
        )
        .order_by("synthesis_key", *newest),
        "synthesis_key",
    )
    refs = spectral_references({d["project_id"] for d in device_list})
    out: dict[int, tuple[dict[str, Any], int | None]] = {}
    for d in device_list:
        pk, sid = d["id"], d[f"{v}ink__synthesis_id"]
        synthesis = None
        if sid is not None:
            synthesis = SimpleNamespace(
                pk=sid,
                code=d[f"{v}ink__synthesis__code"],
                measured_exciton_peak_nm=d[f"{v}ink__synthesis__measured_exciton_peak_nm"],
                exciton_measurement_code=d[f"{v}ink__synthesis__exciton_measurement_code"],
            )
        eqe = eqes.get(pk)
        figs = _figures(
            d["code"],
            synthesis,
            jvs.get(pk),
            eqe,
            intensities.get(pk),
            pls.get(sid) if sid is not None else None,
            refs.get(d["project_id"], {}),
        )
        # The EQE-over-absorbance figure reads this curve again, for one device per synthesis.
        curve_id = eqe.id if eqe is not None and eqe.curve.get("eqe_fraction") else None
        out[pk] = (figs, curve_id)
    return out


def _stored(device_id: int, figs: dict[str, Any], eqe_id: int | None, now) -> DeviceLoss:
    columns = {k: value_of(figs, k) for k in SUMMARY_KEYS}
    return DeviceLoss(
        device_id=device_id,
        analysis_version=LOSS_VERSION,
        computed_at=now,
        figures=figs,
        eqe_result_id=eqe_id,
        flags=figs.get("flags", []),
        reasons={f"{k}_reason": figs[f"{k}_reason"] for k in SUMMARY_KEYS if f"{k}_reason" in figs},
        bandgap_source=figs.get("bandgap_source") or "",
        absorbance_1s_nm=figs.get("absorbance_1s_nm"),
        **columns,
    )


_STORED_FIELDS = [f.name for f in DeviceLoss._meta.concrete_fields if f.name not in ("device",)]


def store_losses(device_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Compute and store (insert or replace) the loss rows of these devices: seven queries and
    one write per STORE_CHUNK devices. Returns each device's figures."""
    ids = sorted(set(device_ids))
    out: dict[int, dict[str, Any]] = {}
    now = timezone.now()
    for start in range(0, len(ids), STORE_CHUNK):
        chunk = ids[start : start + STORE_CHUNK]
        computed = compute_loss_figures(Device.objects.filter(id__in=chunk))
        DeviceLoss.objects.bulk_create(
            [_stored(pk, figs, eqe_id, now) for pk, (figs, eqe_id) in computed.items()],
            update_conflicts=True,
            unique_fields=["device"],
            update_fields=[f for f in _STORED_FIELDS if f != "device"],
        )
        out.update({pk: figs for pk, (figs, _) in computed.items()})
    return out


def refresh_losses(
    device_ids: Iterable[int] = (),
    synthesis_ids: Iterable[int] = (),
    project_ids: Iterable[int] = (),
) -> int:
    """Rebuild the stored loss rows whose inputs changed: the devices given, every device made
    from the syntheses given (their absorbance 1S and PL are its inputs), every device of the
    projects given (their spectral references). Each device once, however many of its inputs
    changed together. Returns how many rows were written."""
    ids, synthesis_ids, project_ids = list(device_ids), list(synthesis_ids), list(project_ids)
    if synthesis_ids or project_ids:
        where = Q(id__in=ids)
        if synthesis_ids:
            where |= Q(substrate__variant__ink__synthesis_id__in=synthesis_ids)
        if project_ids:
            where |= Q(project_id__in=project_ids)
        ids = list(Device.objects.filter(where).values_list("id", flat=True))
    return len(store_losses(ids))


def outdated_devices() -> QuerySet[Device]:
    """Devices whose loss row is missing or of another analysis version."""
    return Device.objects.exclude(loss__analysis_version=LOSS_VERSION)


def _meta_part(d: dict[str, Any]) -> dict[str, Any]:
    v = _V
    return {
        "device_id": d["id"],
        "variant": d[f"{v}name"],
        "variant_code": d[f"{v}code"],
        "variant_id": d[f"{v}id"],
        "batch": d[f"{v}batch__code"],
        "recipe": d[f"{v}ink__recipe__code"] or "",
        "ligand_family": d[f"{v}ink__recipe__ligand_family"] or "",
        "synthesis": d[f"{v}ink__synthesis__code"] or "",
        "synthesis_id": d[f"{v}ink__synthesis_id"],
        "device_status": d["status"],
    }


def loss_rows(devices: QuerySet[Device]) -> list[dict[str, Any]]:
    """The full loss row of every device in ``devices`` (already scoped), by code, each with
    its variant, batch, recipe and synthesis: the stored rows, in one query; a device whose
    row is missing or outdated has it computed and stored now (seven more queries)."""
    device_list = list(
        devices.order_by("code").values(
            *_META, "loss__figures", "loss__analysis_version", "loss__eqe_result_id"
        )
    )
    missing = [d["id"] for d in device_list if d["loss__analysis_version"] != LOSS_VERSION]
    fresh = store_losses(missing) if missing else {}
    rows = []
    for d in device_list:
        figs = fresh[d["id"]] if d["id"] in fresh else d["loss__figures"]
        row = {**figs, **_meta_part(d)}
        row["excluded"] = _exclusion(d["status"], (figs.get("measured") or {}).get("ff"))
        rows.append(row)
    if fresh:
        # The EQE curve ids of the rows just written (the read above predates them).
        curve_ids = dict(
            DeviceLoss.objects.filter(device_id__in=list(fresh)).values_list(
                "device_id", "eqe_result_id"
            )
        )
    else:
        curve_ids = {}
    for d, row in zip(device_list, rows, strict=True):
        row["eqe_result_id"] = curve_ids.get(d["id"], d["loss__eqe_result_id"])
    return rows


# loss_columns' row keys, in the order of its query's columns.
_COLUMN_ROW_KEYS = (
    "device_id",
    "device",
    "device_status",
    "variant_id",
    "variant",
    "variant_code",
    "batch",
    "recipe",
    "ligand_family",
    "synthesis_id",
    "synthesis",
    "loss_version",
    "eqe_result_id",
    *COLUMN_KEYS,
)


def _text(path: str) -> Coalesce:
    """A text column that is "" where the relation is missing (a variant without a recipe)."""
    return Coalesce(path, Value(""))


def loss_columns(devices: QuerySet[Device], reasons: bool = False) -> list[dict[str, Any]]:
    """The figures the project page summarises and plots, from the stored columns (no full row
    decoded): the same keys and values as ``loss_rows`` for COLUMN_KEYS, with the device's
    metadata, ``excluded`` and ``eqe_result_id``; with ``reasons``, also the ``flags`` and the
    ``<key>_reason`` of those figures (what the device table export lists). One query when
    every row is stored; tuples zipped into dicts, as 10,000 devices a page make per-row
    Python the cost."""
    v = _V
    keys = (*_COLUMN_ROW_KEYS, "flags", "reasons") if reasons else _COLUMN_ROW_KEYS
    query = (
        devices.order_by("code")
        .annotate(
            _recipe=_text(f"{v}ink__recipe__code"),
            _ligands=_text(f"{v}ink__recipe__ligand_family"),
            _synthesis=_text(f"{v}ink__synthesis__code"),
        )
        .values_list(
            "id",
            "code",
            "status",
            f"{v}id",
            f"{v}name",
            f"{v}code",
            f"{v}batch__code",
            "_recipe",
            "_ligands",
            f"{v}ink__synthesis_id",
            "_synthesis",
            "loss__analysis_version",
            "loss__eqe_result_id",
            *(f"loss__{k}" for k in COLUMN_KEYS),
            *(("loss__flags", "loss__reasons") if reasons else ()),
        )
    )
    rows = [dict(zip(keys, t, strict=True)) for t in query]
    missing = [r["device_id"] for r in rows if r["loss_version"] != LOSS_VERSION]
    if missing:
        store_losses(missing)
        rows = [dict(zip(keys, t, strict=True)) for t in query.all()]
    for row in rows:
        del row["loss_version"]
        if reasons:
            row.update(row.pop("reasons"))
        row["bandgap_source"] = row["bandgap_source"] or None
        row["excluded"] = _exclusion(row["device_status"], row["ff"])
    return rows


def _exclusion(status: str, ff: float | None) -> str:
    """Why a device stays out of the variant medians and the project plots ("" = in): its
    status, or the dashboards' shorted rule (FF below DEVICE_SHORTED_MAX_FF) unless a person
    kept it. A shorted pixel's "Voc deficit" is a contact fault, not a loss of the dots."""
    if status in (Device.Status.SHORTED, Device.Status.EXCLUDED):
        return f"status {status}"
    limit = float(settings.DEVICE_SHORTED_MAX_FF)
    if status != Device.Status.KEPT and ff is not None:
        if ff < limit:
            return f"shorted: FF {ff:.2f} below {limit:.2f}"
    return ""
