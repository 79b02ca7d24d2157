"""What an .eln crate of cqdlab holds: the lab's object types, in the order an import creates
them, with the folder each type's Datasets live in and the child rows carried inside them.

Export and import both read this one table, so a field added to a model travels both ways
without a second list to keep in step (``tests/exchange`` round-trips every type).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from django.db import models

from analysis.models import StabilityStudy
from fabrication.models import (
    Batch,
    Chemical,
    Device,
    Film,
    LayerRecipe,
    LigandExchangeRecipe,
    LigandExchangeRun,
    Stack,
    Substrate,
    Synthesis,
    Variant,
)
from measurements.models import Measurement

# The crate's own format: an importer refuses crates of another major version.
FORMAT_NAME = "cqdlab-eln"
FORMAT_VERSION = "1.0"
SOFTWARE_ID = "#cqdlab"
PUBLISHER_ID = "#cqdlab-publisher"
CREATE_ACTION_ID = "#ro-crate-created"
RO_CRATE_1_1 = "https://w3id.org/ro/crate/1.1"
# schema.org's name for a cqdlab type, in ``additionalType``: the importer's key.
TYPE_PREFIX = "cqdlab:"

# Fields that are no lab facts: ids and ownership (the crate says them its own way: identifier,
# dateCreated, dateModified, author), and a measurement's analysis state, which the import
# recomputes from the raw file.
SKIPPED = {"id", "project", "code", "created_at", "updated_at", "created_by"}
MEASUREMENT_STATE = {
    "raw_file",
    "status",
    "error",
    "attempts",
    "queued_at",
    "started_at",
    "finished_at",
    "analysis_version",
    "analysed_by",
}


@dataclass(frozen=True)
class EntityType:
    name: str  # additionalType after the prefix, e.g. "Batch"
    model: type[models.Model]
    folder: str
    # Reverse relations whose rows belong to the object (recipe components, stack layers).
    children: tuple[str, ...] = ()
    many: tuple[str, ...] = ()  # many-to-many fields carried as lists of codes
    skipped: frozenset[str] = field(default_factory=frozenset)


TYPES: tuple[EntityType, ...] = (
    EntityType("Chemical", Chemical, "chemicals"),
    EntityType("Synthesis", Synthesis, "syntheses", children=("precursors",)),
    EntityType("LigandExchangeRecipe", LigandExchangeRecipe, "recipes", children=("components",)),
    EntityType("LigandExchangeRun", LigandExchangeRun, "ligand-exchange-runs"),
    EntityType("LayerRecipe", LayerRecipe, "layer-recipes"),
    EntityType("Stack", Stack, "stacks", children=("layers",)),
    EntityType("Batch", Batch, "batches"),
    EntityType("Variant", Variant, "variants"),
    EntityType("Substrate", Substrate, "substrates"),
    EntityType("Device", Device, "devices"),
    EntityType("Film", Film, "films"),
    EntityType("Measurement", Measurement, "measurements", skipped=frozenset(MEASUREMENT_STATE)),
    EntityType("StabilityStudy", StabilityStudy, "stability-studies", many=("devices",)),
)
BY_NAME = {t.name: t for t in TYPES}
BY_MODEL = {t.model: t for t in TYPES}

# The hierarchy: which field of a type names the object it is part of (isPartOf) or made
# from (isBasedOn). The spec keeps Datasets out of other Datasets' hasPart, so these links
# carry the tree (and the parent ``mentions`` its children).
PART_OF = {
    "Variant": "batch",
    "Substrate": "variant",
    "Device": "substrate",
    "Film": "batch",
    "Measurement": ("device", "film", "synthesis"),
}
BASED_ON = {
    "LigandExchangeRun": ("synthesis", "recipe"),
    "LigandExchangeRecipe": ("previous_version",),
    "Variant": ("ink", "stack"),
    "Film": ("synthesis", "ink", "stack"),
}

# Units by the end of a field's name (the models name units that way); unitText in the crate.
_UNITS = (
    ("_mw_cm2", "mW/cm²"),
    ("_mg_ml", "mg/mL"),
    ("_mv_s", "mV/s"),
    ("_cm2", "cm²"),
    ("_percent", "%"),
    ("_ppm", "ppm"),
    ("_rpm", "rpm"),
    ("_min", "min"),
    ("_nm", "nm"),
    ("_ml", "mL"),
    ("_mg", "mg"),
    ("_ev", "eV"),
    ("_c", "°C"),
    ("_s", "s"),
)


def unit_of(field_name: str) -> str | None:
    for suffix, unit in _UNITS:
        if field_name.endswith(suffix):
            return unit
    return None


def data_fields(model: type[models.Model], skipped: frozenset[str] = frozenset()) -> list:
    """The concrete fields a crate carries for ``model`` (foreign keys included)."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in SKIPPED and f.name not in skipped and not f.name.endswith("_ptr")
    ]


def child_fields(model: type[models.Model], parent_field: str) -> list:
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in ("id", parent_field) and not f.name.endswith("_ptr")
    ]


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def path_part(text: str) -> str:
    """A folder or file name from a code or a file name: safe on every system and equal to its
    own URI encoding (so an @id is its path). A changed name gets a short hash of the original,
    so two codes never share a folder."""
    cleaned = _UNSAFE.sub("_", text).strip("._") or "x"
    if cleaned != text or len(cleaned) > 100:
        tag = hashlib.sha1(text.encode()).hexdigest()[:6]
        stem, dot, ext = cleaned.rpartition(".")
        if dot and stem and 0 < len(ext) <= 10:  # the hash goes before a file's extension
            cleaned = f"{stem[:80]}-{tag}.{ext}"
        else:
            cleaned = f"{cleaned[:80]}-{tag}"
    return cleaned
