"""The analysis flags in words, for the device page: a researcher reads "the EQE Jsc is 14 %
below the J-V Jsc", not ``eqe_jv_jsc_mismatch``."""

from __future__ import annotations

from typing import Any

# The flags a researcher meets most, said as a sentence; any other flag is read out from its
# name ("no_voc_crossing" -> "No voc crossing").
FLAG_WORDS = {
    "shorted": "Shorted: low fill factor or shunt resistance (left out of the statistics)",
    "no_voc_crossing": "The curve never crosses zero current: no Voc (open circuit)",
    "eqe_jv_jsc_mismatch": "The Jsc integrated from the EQE disagrees with the J-V Jsc",
    "jsc_mismatch": "The Jsc integrated from the EQE disagrees with the J-V Jsc",
    "dark": "Dark curve: no photocurrent, so no PCE",
    "declared_dark_with_current_at_0v": "Declared dark but carries current at 0 V",
    "irradiance_assumed_100": "Irradiance not stated: 100 mW/cm² assumed",
    "irradiance_implausible": "The file's irradiance was implausible: the default was used",
    "area_sources_disagree": "The active area in the file and the device's disagree",
    "no_area": "No active area known",
    "reverse_scan_is_not_reverse": "The scan declared reverse runs forward",
    "forward_scan_is_not_forward": "The scan declared forward runs in reverse",
    "not_stabilised": "MPP tracking had not stabilised at the end",
    "not_stable_at_end": "MPP output still drifting at the end",
    "run_shorter_than_window": "MPP run shorter than the averaging window",
    "eqe_unit_unknown": "EQE unit unknown (percent or fraction): no Jsc computed",
    "eqe_unit_deduced_percent": "EQE unit not stated: read as percent (the only physical reading)",
    "eqe_unit_user_ignored": "The unit given at upload contradicts the file's: the file's was used",
    "multiple_voc_crossings": "The curve crosses zero current more than once",
    "compliance_clipped": "Current clipped at the instrument's compliance",
    "voc_extrapolated": "Voc extrapolated beyond the measured voltages",
    "jsc_extrapolated": "Jsc extrapolated: the scan does not reach 0 V",
    "temperature_assumed": "Temperature not stated: 25 °C assumed",
}


def flag_text(flag: str) -> str:
    """One flag in words."""
    return FLAG_WORDS.get(flag) or flag.replace("_", " ").strip().capitalize()


def flag_rows(table: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Every flag the device's results carry, once per measurement, in words, with the
    numbers behind it where the results hold them (the EQE-vs-J-V Jsc check)."""
    rows: list[dict[str, str]] = []
    for entry in table:
        figures = entry["figures"] or {}
        scans = figures.get("scans") or [figures]
        seen: set[str] = set()
        for scan in scans:
            for flag in scan.get("flags") or []:
                if flag in seen:
                    continue
                seen.add(flag)
                rows.append(
                    {
                        "measurement": entry["measurement"].code,
                        "kind": entry["kind"],
                        "flag": flag,
                        "text": flag_text(flag),
                        "detail": _detail(flag, scan),
                    }
                )
    return rows


def _detail(flag: str, scan: dict[str, Any]) -> str:
    check = scan.get("jv_comparison") or {}
    if flag in ("eqe_jv_jsc_mismatch", "jsc_mismatch") and check.get("relative_difference"):
        return (
            f"EQE {check['eqe_jsc_ma_cm2']:.2f} mA/cm² vs J-V {check['jv_jsc_ma_cm2']:.2f} "
            f"mA/cm²: {100 * check['relative_difference']:+.1f} % "
            f"(limit ±{100 * check['threshold']:.0f} %)"
        )
    return ""
