"""Device results in the field names of the Perovskite Database (Jacobsson et al., Nature
Energy 2022) as NOMAD's ``perovskite_solar_cell_database`` schema keeps them: one row per
device. The mapping, with units, is documented in docs/exchange.md.

The absorber of a PbS CQD cell is no perovskite: ``Perovskite_composition_*`` stay empty, and
the absorber's facts the schema has a place for (band gap, thickness, deposition) are filled
from the CQD layer; what the schema cannot say (dot material, size, ligand) goes in ``CQD_*``
columns, which are cqdlab's own and named so.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
from django.db.models import QuerySet

from analysis.compute.aging import analyse_aging
from analysis.compute.constants import HC_EV_NM
from analysis.models import EQEResult, JVResult, MPPResult, StabilityStudy
from analysis.selectors.aging import aging_rows
from fabrication.models import Device, StackLayer

# Column order of the CSV: the schema's own names first, cqdlab's after.
FIELDS: tuple[str, ...] = (
    "Ref_internal_sample_id",
    "Cell_stack_sequence",
    "Cell_area_measured",
    "Cell_architecture",
    "Perovskite_composition_short_form",
    "Perovskite_band_gap",
    "Perovskite_band_gap_estimation_basis",
    "Perovskite_thickness",
    "Perovskite_deposition_procedure",
    "Perovskite_deposition_thermal_annealing_temperature",
    "Perovskite_deposition_thermal_annealing_time",
    "JV_measured",
    "JV_light_intensity",
    "JV_test_temperature",
    "JV_scan_speed",
    "JV_reverse_scan_Voc",
    "JV_reverse_scan_Jsc",
    "JV_reverse_scan_FF",
    "JV_reverse_scan_PCE",
    "JV_reverse_scan_Vmp",
    "JV_reverse_scan_Jmp",
    "JV_reverse_scan_series_resistance",
    "JV_reverse_scan_shunt_resistance",
    "JV_forward_scan_Voc",
    "JV_forward_scan_Jsc",
    "JV_forward_scan_FF",
    "JV_forward_scan_PCE",
    "JV_forward_scan_Vmp",
    "JV_forward_scan_Jmp",
    "JV_forward_scan_series_resistance",
    "JV_forward_scan_shunt_resistance",
    "JV_default_Voc",
    "JV_default_Jsc",
    "JV_default_FF",
    "JV_default_PCE",
    "JV_default_PCE_scan_direction",
    "JV_hysteresis_index",
    "Stabilised_performance_measured",
    "Stabilised_performance_PCE",
    "EQE_measured",
    "EQE_integrated_Jsc",
    "Stability_measured",
    "Stability_protocol",
    "Stability_atmosphere",
    "Stability_temperature_range",
    "Stability_relative_humidity_average_value",
    "Stability_PCE_initial_value",
    "Stability_PCE_T95",
    "Stability_PCE_Ts95",
    "Stability_PCE_T80",
    "Stability_PCE_Ts80",
    "Stability_PCE_end_of_experiment",
    "CQD_device_code",
    "CQD_batch",
    "CQD_variant",
    "CQD_absorber_material",
    "CQD_capping_ligand_before_exchange",
    "CQD_ligand_exchange_recipe",
    "CQD_ligand_family",
    "CQD_exciton_peak_nm",
    "CQD_diameter_nm",
)

# J-V result column -> the schema's figure after JV_<direction>_scan_ (units: V, mA/cm², the
# FF as a fraction 0-1 as the database stores it, %, Ω·cm²).
_JV = {
    "voc_v": "Voc",
    "jsc_ma_cm2": "Jsc",
    "ff": "FF",
    "pce_percent": "PCE",
    "vmp_v": "Vmp",
    "jmp_ma_cm2": "Jmp",
    "rs_ohm_cm2": "series_resistance",
    "rsh_ohm_cm2": "shunt_resistance",
}
# Stability atmospheres as the database spells them.
_ATMOSPHERE = {"argon": "Ar", "nitrogen": "N2", "air": "Air", "other": ""}


def _first_jv(devices: list[Device]) -> dict[tuple[int, str], JVResult]:
    """Each device's first light scan in each direction (its initial characterisation, as the
    dashboards take it; later scans belong to aging)."""
    out: dict[tuple[int, str], JVResult] = {}
    rows = JVResult.objects.filter(device__in=devices, is_dark=False).select_related("measurement")
    for row in rows.order_by("measured_at", "-pce_percent", "id"):
        out.setdefault((row.device_id, row.scan_direction), row)
    return out


def _by_device(model, devices: list[Device]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    rows = model.objects.filter(measurement__device__in=devices).select_related("measurement")
    for row in rows.order_by("measurement__measured_at", "id"):
        out.setdefault(row.measurement.device_id, row)
    return out


def _stability(devices: list[Device]) -> dict[int, dict[str, Any]]:
    """T80/Ts80/T95/Ts95 (h) of each device's reverse-scan PCE in its first stability study."""
    out: dict[int, dict[str, Any]] = {}
    ids = [d.id for d in devices]
    studies = list(StabilityStudy.objects.filter(devices__in=ids).distinct().order_by("started_at"))
    for study in studies:
        series = aging_rows([study]).get(study.id)
        if series is None:
            continue
        for device_id in np.unique(series.device_ids):
            if device_id in out or device_id not in ids:
                continue
            mine = (series.device_ids == device_id) & ~series.failed
            hours, values = series.hours[mine], series.values[mine]
            if len(values) < 2 or not values[0]:
                continue
            result = analyse_aging(hours, values, burn_in=False)
            out[int(device_id)] = {
                "Stability_measured": True,
                "Stability_protocol": study.isos_protocol,
                "Stability_atmosphere": _ATMOSPHERE.get(study.atmosphere, study.atmosphere),
                "Stability_temperature_range": study.temperature_c,
                "Stability_relative_humidity_average_value": study.relative_humidity_percent,
                "Stability_PCE_initial_value": float(values[0]),
                "Stability_PCE_T95": result.t95_h,
                "Stability_PCE_Ts95": result.ts95_h,
                "Stability_PCE_T80": result.t80_h,
                "Stability_PCE_Ts80": result.ts80_h,
                "Stability_PCE_end_of_experiment": float(values[-1]),
            }
    return out


def _stack(device: Device) -> tuple[str, StackLayer | None]:
    stack = device.substrate.variant.stack
    if stack is None:
        return "", None
    layers = list(stack.layers.all())
    absorber = next((layer for layer in layers if layer.role == "absorber"), None)
    return " | ".join(layer.material for layer in layers), absorber


def _architecture(sequence: str, layers_roles: list[str]) -> str:
    """nip when the electron-transport layer lies between the substrate and the absorber."""
    if "ETL" in layers_roles and "absorber" in layers_roles:
        return "nip" if layers_roles.index("ETL") < layers_roles.index("absorber") else "pin"
    return ""


def device_rows(devices: QuerySet[Device]) -> list[dict[str, Any]]:
    """One row per device, every field of ``FIELDS`` (None where cqdlab has no value)."""
    devices = list(
        devices.select_related(
            "substrate__variant__batch",
            "substrate__variant__stack",
            "substrate__variant__ink__recipe",
            "substrate__variant__ink__synthesis",
        )
        .prefetch_related("substrate__variant__stack__layers")
        .order_by("code")
    )
    jv = _first_jv(devices)
    mpp = _by_device(MPPResult, devices)
    eqe = _by_device(EQEResult, devices)
    stability = _stability(devices)
    rows = []
    for device in devices:
        row: dict[str, Any] = dict.fromkeys(FIELDS)
        variant = device.substrate.variant
        sequence, absorber = _stack(device)
        roles = [layer.role for layer in variant.stack.layers.all()] if variant.stack else []
        ink = variant.ink
        synthesis = ink.synthesis if ink else None
        peak = synthesis and (
            synthesis.measured_exciton_peak_nm or synthesis.target_exciton_peak_nm
        )
        row.update(
            {
                "Ref_internal_sample_id": device.code,
                "Cell_stack_sequence": sequence,
                "Cell_area_measured": device.active_area_cm2,
                "Cell_architecture": _architecture(sequence, roles),
                "Perovskite_composition_short_form": "",  # no perovskite: PbS CQD (CQD_*)
                "Perovskite_band_gap": round(HC_EV_NM / peak, 3) if peak else None,
                "Perovskite_band_gap_estimation_basis": (
                    "Absorption: first excitonic peak of the PbS CQD" if peak else ""
                ),
                "Perovskite_thickness": absorber.thickness_nm if absorber else None,
                "Perovskite_deposition_procedure": absorber.method if absorber else "",
                "Perovskite_deposition_thermal_annealing_temperature": (
                    absorber.anneal_temperature_c if absorber else None
                ),
                "Perovskite_deposition_thermal_annealing_time": (
                    absorber.anneal_time_min if absorber else None
                ),
                "CQD_device_code": device.code,
                "CQD_batch": variant.batch.code,
                "CQD_variant": variant.name,
                "CQD_absorber_material": synthesis.material if synthesis else "",
                "CQD_capping_ligand_before_exchange": synthesis.capping_ligand if synthesis else "",
                "CQD_ligand_exchange_recipe": ink.recipe.code if ink else "",
                "CQD_ligand_family": ink.recipe.ligand_family if ink else "",
                "CQD_exciton_peak_nm": peak,
                "CQD_diameter_nm": synthesis.diameter_nm if synthesis else None,
            }
        )
        reverse, forward = jv.get((device.id, "reverse")), jv.get((device.id, "forward"))
        for direction, scan in (("reverse", reverse), ("forward", forward)):
            if scan is None:
                continue
            for column, figure in _JV.items():
                row[f"JV_{direction}_scan_{figure}"] = getattr(scan, column)
        default = reverse or forward
        row["JV_measured"] = default is not None
        if default is not None:
            m = default.measurement
            for figure in ("Voc", "Jsc", "FF", "PCE"):
                direction = "reverse" if reverse else "forward"
                row[f"JV_default_{figure}"] = row[f"JV_{direction}_scan_{figure}"]
            row["JV_default_PCE_scan_direction"] = "Reversed" if reverse else "Forward"
            row["JV_light_intensity"] = default.irradiance_mw_cm2 or m.irradiance_mw_cm2
            row["JV_test_temperature"] = m.temperature_c
            row["JV_scan_speed"] = m.scan_rate_mv_s
            row["JV_hysteresis_index"] = default.hi_pce
        mpp_row = mpp.get(device.id)
        row["Stabilised_performance_measured"] = mpp_row is not None
        row["Stabilised_performance_PCE"] = mpp_row.stabilized_pce_percent if mpp_row else None
        eqe_row = eqe.get(device.id)
        row["EQE_measured"] = eqe_row is not None
        row["EQE_integrated_Jsc"] = eqe_row.integrated_jsc_ma_cm2 if eqe_row else None
        row["Stability_measured"] = False
        row.update(stability.get(device.id, {}))
        rows.append(row)
    return rows


def as_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


# The NOMAD schema's sections, by the prefix of the database's flat name (the longer first).
_SECTIONS = (
    ("Perovskite_deposition_", "perovskite_deposition"),
    ("Ref_", "ref"),
    ("Cell_", "cell"),
    ("Perovskite_", "perovskite"),
    ("JV_", "jv"),
    ("Stabilised_", "stabilised"),
    ("EQE_", "eqe"),
    ("Stability_", "stability"),
    ("CQD_", "cqdlab"),
)


def nested(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A row in the NOMAD archive's layout: ``jv.reverse_scan_Voc`` for the database's
    ``JV_reverse_scan_Voc`` (the flat name minus its section's prefix); ``cqdlab`` holds the
    CQD facts the schema has no place for. Empty values are left out."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in row.items():
        if value is None or value == "":
            continue
        for prefix, section in _SECTIONS:
            if name.startswith(prefix):
                out.setdefault(section, {})[name[len(prefix) :]] = value
                break
    return out
