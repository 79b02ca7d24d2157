"""Reads for insights: one row per device with its first-scan J-V figures and its lineage.

Three queries whatever the number of devices: the devices with their substrate, batch,
variant, ink, recipe and synthesis (joined), their first light reverse J-V scans, and the
layers of their stacks. Columns carry their unit in their name.
"""

from __future__ import annotations

import pandas as pd

from analysis.selectors.devices import METRICS, first_jv_per_device
from core.models import Project
from fabrication.models import Device, StackLayer

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
    return _with_layers(frame).drop(columns=["stack_id", "ink_date"])


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


def parameter_columns(frame: pd.DataFrame) -> list[str]:
    """The table's columns that may explain a metric: neither identifiers nor the metrics."""
    skip = {"device_id", "batch_date", *IDENTIFIERS, *METRICS}
    return [name for name in frame.columns if name not in skip]
