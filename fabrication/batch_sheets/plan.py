"""What a batch sheet says: frozen dataclasses, read from either layout, written by services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .problems import Where

LAYOUT_CQDLAB = "cqdlab"
LAYOUT_HYSPRINT = "hysprint"
CODE_MAX_LENGTH = 80  # ProjectOwned.code

# Mirrors of the model's choices and limits (the parser does not import Django);
# tests/batch_sheet checks that they agree with fabrication.models.
VARIANT_ROLES = ("target", "control", "reference", "other")
LAYER_ROLES = (
    ("substrate", "Substrate"),
    ("ETL", "ETL"),
    ("absorber", "Absorber"),
    ("HTL", "HTL"),
    ("electrode", "Electrode"),
)
OTHER_LAYER_ROLE = "other"
SUBSTRATE_LABEL_MAX = 20
PIXEL_MAX = 20
VARIANT_NAME_MAX = 120
SUBSTRATE_MATERIAL_MAX = 60


@dataclass(frozen=True)
class LayerPlan:
    role: str
    material: str
    method: str = ""
    spin_speed_rpm: int | None = None
    spin_time_s: int | None = None
    coats: int | None = None
    anneal_temperature_c: float | None = None
    anneal_time_min: float | None = None
    anneal_atmosphere: str = ""
    thickness_nm: float | None = None
    uses_variant_ink: bool = False


@dataclass(frozen=True)
class DevicePlan:
    pixel: str
    active_area_cm2: float
    mask_area_cm2: float | None
    at: Where = field(compare=False)


@dataclass(frozen=True)
class SubstratePlan:
    label: str
    variant: str
    material: str
    notes: str
    devices: tuple[DevicePlan, ...]
    at: Where = field(compare=False)


@dataclass(frozen=True)
class VariantPlan:
    code: str  # short, e.g. "T"; the database code is "<batch>/<code>"
    name: str
    role: str
    ink: str  # a ligand-exchange run code, resolved in the project on import
    layers: tuple[LayerPlan, ...]
    rows: tuple[int, ...]
    at: Where = field(compare=False)  # the variant cell of its first row
    ink_at: Where = field(compare=False)


@dataclass(frozen=True)
class BatchPlan:
    layout: str
    code: str
    name: str = ""
    date: dt.date | None = None
    description: str = ""
    operator: str = ""  # a username, resolved in the project on import
    glovebox_o2_ppm: float | None = None
    glovebox_h2o_ppm: float | None = None
    relative_humidity_percent: float | None = None
    ambient_temperature_c: float | None = None
    variants: tuple[VariantPlan, ...] = ()
    substrates: tuple[SubstratePlan, ...] = ()
    notes: tuple[str, ...] = ()  # what the reader assumed or left out
    code_at: Where = field(default=Where(""), compare=False)
    operator_at: Where = field(default=Where(""), compare=False)

    @property
    def device_count(self) -> int:
        return sum(len(s.devices) for s in self.substrates)

    def layer_sets(self) -> list[tuple[LayerPlan, ...]]:
        """Distinct layer sets in variant order: one stack each."""
        seen: list[tuple[LayerPlan, ...]] = []
        for variant in self.variants:
            if variant.layers and variant.layers not in seen:
                seen.append(variant.layers)
        return seen
