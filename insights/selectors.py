"""Reads for insights: one row per device with its first-scan J-V figures and its lineage.

Three queries whatever the number of devices: the devices with their substrate, batch,
variant, ink, recipe and synthesis (joined), their first light reverse J-V scans, and the
layers of their stacks. Columns carry their unit in their name.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.compute.aging import analyse_aging_many
from analysis.models import AbsorbanceResult, StabilityStudy
from analysis.selectors.aging import aging_rows
from analysis.selectors.devices import METRICS, first_jv_per_device
from core.models import Project
from fabrication.models import Device, RecipeComponent, StackLayer, SynthesisPrecursor

# Lineage columns: (query path, column name with unit).
LINEAGE = (
    ("code", "device"),
    ("pixel", "pixel"),
    ("status", "status"),
    ("active_area_cm2", "active_area_cm2"),
    ("substrate__code", "substrate"),
    ("substrate__material", "substrate_material"),
    ("substrate__variant__code", "variant"),
    ("substrate__batch__code", "batch"),
    ("substrate__batch__date", "batch_date"),
    ("substrate__batch__operator__username", "operator"),
    ("substrate__batch__glovebox_h2o_ppm", "glovebox_h2o_ppm"),
    ("substrate__batch__glovebox_o2_ppm", "glovebox_o2_ppm"),
    ("substrate__batch__relative_humidity_percent", "relative_humidity_percent"),
    ("substrate__batch__ambient_temperature_c", "ambient_temperature_c"),
    ("substrate__variant__stack_id", "stack_id"),
    ("substrate__variant__ink__code", "ink"),
    ("substrate__variant__ink__date", "ink_date"),
    ("substrate__variant__ink__ink_concentration_mg_ml", "ink_concentration_mg_ml"),
    ("substrate__variant__ink__dots_volume_ml", "exchange_dots_volume_ml"),
    ("substrate__variant__ink__precursor_volume_ml", "exchange_precursor_volume_ml"),
    ("substrate__variant__ink__ratio", "exchange_ratio"),
    ("substrate__variant__ink__exchange_time_min", "exchange_time_min"),
    ("substrate__variant__ink__wash_count", "exchange_wash_count"),
    ("substrate__variant__ink__centrifuge_rpm", "exchange_centrifuge_rpm"),
    ("substrate__variant__ink__centrifuge_time_s", "exchange_centrifuge_time_s"),
    ("substrate__variant__ink__recipe__family_code", "recipe_family"),
    ("substrate__variant__ink__recipe__version", "recipe_version"),
    ("substrate__variant__ink__recipe__ligand_family", "ligand_family"),
    ("substrate__variant__ink__recipe__solvent", "recipe_solvent"),
    ("substrate__variant__ink__synthesis__code", "synthesis"),
    ("substrate__variant__ink__synthesis__injection_temperature_c", "injection_temperature_c"),
    ("substrate__variant__ink__synthesis__growth_time_s", "growth_time_s"),
    ("substrate__variant__ink__synthesis__target_exciton_peak_nm", "target_exciton_peak_nm"),
    ("substrate__variant__ink__synthesis__measured_exciton_peak_nm", "measured_exciton_peak_nm"),
    ("substrate__variant__ink__synthesis__diameter_nm", "diameter_nm"),
    ("substrate__variant__ink__synthesis__concentration_mg_ml", "dots_concentration_mg_ml"),
    ("substrate__variant__ink__synthesis__solvent", "synthesis_solvent"),
    ("substrate__variant__ink__synthesis__exciton_measurement_code", "exciton_measurement"),
    ("substrate__variant__ink__synthesis_id", "synthesis_id"),
    ("substrate__variant__ink__recipe_id", "recipe_id"),
)
# Per layer role: (StackLayer field, column suffix with unit).
LAYER_FIELDS = (
    ("thickness_nm", "thickness_nm"),
    ("spin_speed_rpm", "spin_speed_rpm"),
    ("anneal_temperature_c", "anneal_temperature_c"),
    ("anneal_time_min", "anneal_time_min"),
)
# What the statistics and the model may use as parameters: identifiers and grouping levels
# (device, substrate, batch, lot) are not parameters.
IDENTIFIERS = ("device", "pixel", "status", "substrate", "variant", "batch", "ink", "synthesis")


def parameter_table(project: Project, direction: str = "reverse") -> pd.DataFrame:
    """One row per device of ``project`` (by code): lineage columns and the first light
    ``direction`` J-V figures (NaN where not measured). Three queries."""
    devices = Device.objects.filter(project=project)
    rows = list(devices.order_by("code").values_list("id", *(path for path, _ in LINEAGE)))
    frame = pd.DataFrame(rows, columns=["device_id", *(name for _, name in LINEAGE)])
    scans = pd.DataFrame(
        [(row[0], *row[2 : 2 + len(METRICS)]) for row in first_jv_per_device(devices, direction)],
        columns=["device_id", *METRICS],
    )
    frame = frame.merge(scans, on="device_id", how="left")
    # Days between the ink's exchange and the batch that used it: inks age in the glovebox.
    ink_age = pd.to_datetime(frame["batch_date"]) - pd.to_datetime(frame["ink_date"])
    frame["ink_age_days"] = ink_age.dt.days.astype(float)
    frame = _with_exciton_width(_with_ingredients(_with_layers(frame)))
    return frame.drop(
        columns=["stack_id", "ink_date", "synthesis_id", "recipe_id", "exciton_measurement"]
    )


def _with_exciton_width(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds the exciton's half width (meV) and the size dispersion (nm) of each device's dots,
    from the absorbance measurement that defines its synthesis's peak: the width is the
    ensemble's size-dispersity proxy. One query."""
    codes = [str(c) for c in frame["exciton_measurement"].dropna().unique() if c]
    widths: dict[str, tuple[float | None, float | None]] = {}
    results = AbsorbanceResult.objects.filter(measurement__code__in=codes, index=0)
    for code, figures in results.values_list("measurement__code", "figures"):
        widths[code] = (figures.get("exciton_hwhm_mev"), figures.get("size_dispersion_nm"))
    for position, name in enumerate(("exciton_hwhm_mev", "size_dispersion_nm")):
        values = [widths.get(c, (None, None))[position] for c in frame["exciton_measurement"]]
        frame[name] = pd.to_numeric(pd.Series(values, index=frame.index), errors="coerce")
    return frame


def _with_layers(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds ``<role>_<field>`` columns from each device's stack (first layer of each role)."""
    stack_ids = [int(s) for s in frame["stack_id"].dropna().unique()]
    layers = StackLayer.objects.filter(stack_id__in=stack_ids).order_by("stack_id", "order", "id")
    by_stack: dict[int, dict[str, float | None]] = {}
    for stack_id, role, *values in layers.values_list(
        "stack_id", "role", *(f for f, _ in LAYER_FIELDS)
    ):
        columns = by_stack.setdefault(stack_id, {})
        for (_, suffix), value in zip(LAYER_FIELDS, values, strict=True):
            columns.setdefault(f"{role.lower()}_{suffix}", value)
    names = sorted({name for columns in by_stack.values() for name in columns})
    for name in names:
        frame[name] = [
            by_stack.get(int(s), {}).get(name) if pd.notna(s) else None for s in frame["stack_id"]
        ]
        frame[name] = pd.to_numeric(frame[name], errors="coerce")
    return frame


def _slug(text: str) -> str:
    """A unit or a name as part of a column name: lower case, letters, digits and _."""
    text = text.strip().lower().replace("µ", "u").replace("%", "percent").replace("/", "_")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _with_ingredients(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds the synthesis's precursor amounts per role and unit (``precursor_lead_mmol``), the
    lead-to-sulfur ratio where both are in one unit, and the exchange recipe's component
    amounts per component and unit (``component_pbi2_m``: its concentration). Two queries."""
    synthesis_ids = [int(s) for s in frame["synthesis_id"].dropna().unique()]
    recipe_ids = [int(r) for r in frame["recipe_id"].dropna().unique()]
    precursors: dict[int, dict[str, float]] = {}
    for owner, role, amount, unit in SynthesisPrecursor.objects.filter(
        synthesis_id__in=synthesis_ids, amount__isnull=False
    ).values_list("synthesis_id", "role", "amount", "unit"):
        columns = precursors.setdefault(owner, {})
        if role in ("solvent", "other") or not unit:
            continue  # solvents and unnamed extras: volumes, not stoichiometry
        name = f"precursor_{role}_{_slug(unit)}"
        columns[name] = columns.get(name, 0.0) + float(amount)
    for columns in precursors.values():
        for name in [n for n in columns if n.startswith("precursor_lead_")]:
            sulfur = columns.get(name.replace("_lead_", "_sulfur_", 1))
            if sulfur:
                columns["precursor_pb_s_ratio"] = columns[name] / sulfur
    components: dict[int, dict[str, float]] = {}
    for owner, name, chemical, amount, unit in RecipeComponent.objects.filter(
        recipe_id__in=recipe_ids, amount__isnull=False, role__in=("ligand", "additive")
    ).values_list("recipe_id", "name", "chemical__name", "amount", "unit"):
        if not unit:
            continue
        label = _slug(name or chemical or "component")[:30]
        components.setdefault(owner, {})[f"component_{label}_{_slug(unit)}"] = float(amount)
    for key, table in (("synthesis_id", precursors), ("recipe_id", components)):
        for name in sorted({n for columns in table.values() for n in columns}):
            frame[name] = [
                table.get(int(k), {}).get(name) if pd.notna(k) else None for k in frame[key]
            ]
            frame[name] = pd.to_numeric(frame[name], errors="coerce")
    return frame


def parameter_columns(frame: pd.DataFrame) -> list[str]:
    """The table's columns that may explain a metric: neither identifiers nor the metrics."""
    skip = {"device_id", "batch_date", *IDENTIFIERS, *METRICS}
    return [name for name in frame.columns if name not in skip]


def t80_per_device(project: Project) -> pd.Series:
    """T80 (h) of PCE per device id over the project's stability studies (a device in several
    studies: its first study's value); NaN where not reached or never aged. Two queries."""
    studies = list(StabilityStudy.objects.filter(project=project).order_by("started_at", "id"))
    out: dict[int, float] = {}
    rows = aging_rows(studies, "reverse", "pce_percent")
    for study in studies:
        series = rows.get(study.id)
        if series is None or not series.device_ids.size:
            continue
        figures = analyse_aging_many(
            series.device_ids,
            series.hours,
            series.values,
            failed=series.failed,
            study_hours=series.study_hours,
        )
        for device_id, t80 in zip(figures["ids"].tolist(), figures["t80_h"].tolist(), strict=True):
            out.setdefault(int(device_id), float(t80))
    return pd.Series(out, dtype=float, name="t80_h")


# Units of the table's columns, read from their names' suffixes (longest first).
UNIT_SUFFIXES = (
    ("_ma_cm2", "mA/cm²"),
    ("_mev", "meV"),
    ("_mg_ml", "mg/mL"),
    ("_percent", "%"),
    ("_mmol", "mmol"),
    ("_ul", "µL"),
    ("_mg", "mg"),
    ("_cm2", "cm²"),
    ("_days", "days"),
    ("_ppm", "ppm"),
    ("_rpm", "rpm"),
    ("_min", "min"),
    ("_nm", "nm"),
    ("_ml", "mL"),
    ("_c", "°C"),
    ("_s", "s"),
    ("_v", "V"),
    ("_h", "h"),
    ("_g", "g"),
    ("_m", "M"),
)


def unit_of(column: str) -> str:
    """The unit a column's name carries ('' for text, counts and ratios)."""
    if column == "ff":
        return "fraction"
    for suffix, unit in UNIT_SUFFIXES:
        if column.endswith(suffix):
            return unit
    return ""
