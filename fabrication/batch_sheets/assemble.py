"""Device rows of either layout assembled into variants and substrates.

The rows of one variant must agree on what they share; a substrate belongs to one variant
and its pixels are unique; the codes the import will make must fit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from .cells import _show
from .plan import CODE_MAX_LENGTH, DevicePlan, LayerPlan, SubstratePlan, VariantPlan
from .problems import Where, _Problems


@dataclass
class _Row:
    """One device row, before variants and substrates are assembled."""

    row: int
    variant: str
    substrate: str
    pixel: str
    active_area_cm2: float
    mask_area_cm2: float | None
    substrate_material: str
    notes: str
    layers: tuple[LayerPlan, ...]
    # values every row of the variant must repeat: key -> value, and where each one is
    shared: dict[str, object]
    at: dict[str, Where]


def _assemble(
    rows: list[_Row], problems: _Problems
) -> tuple[tuple[VariantPlan, ...], tuple[SubstratePlan, ...]]:
    by_variant: dict[str, list[_Row]] = {}
    for row in rows:
        by_variant.setdefault(row.variant, []).append(row)
    variants = tuple(_variant(code, members, problems) for code, members in by_variant.items())
    return variants, _substrates(rows, problems)


def _variant(code: str, rows: list[_Row], problems: _Problems) -> VariantPlan:
    first = rows[0]
    reported: set[str] = set()
    for row in rows[1:]:
        for key in first.shared.keys() | row.shared.keys():
            a, b = first.shared.get(key), row.shared.get(key)
            if key in reported or (a in (None, "") and b in (None, "")) or a == b:
                continue
            reported.add(key)
            where = row.at.get(key) or Where(row.at["variant"].sheet, row.row, "", key)
            problems.add(
                where,
                f"variant {code}: rows {first.row} and {row.row} disagree "
                f"({_show(a)} on row {first.row}, {_show(b)} here); every row "
                "of a variant repeats its name, role, ink and layers",
            )
    ink = first.shared.get("ink") or ""
    layers = tuple(
        dataclasses.replace(layer, uses_variant_ink=True)
        if layer.role == "absorber" and ink
        else layer
        for layer in first.layers
    )
    ink_at = first.at.get("ink") or Where(first.at["variant"].sheet, first.row, "", "Ink")
    return VariantPlan(
        code=code,
        name=first.shared.get("variant_name") or code,
        role=first.shared.get("role") or "other",
        ink=ink,
        layers=layers,
        rows=tuple(r.row for r in rows),
        at=first.at["variant"],
        ink_at=ink_at,
    )


def _substrates(rows: list[_Row], problems: _Problems) -> tuple[SubstratePlan, ...]:
    firsts: dict[str, _Row] = {}
    devices: dict[str, list[DevicePlan]] = {}
    notes: dict[str, list[str]] = {}
    pixels: dict[tuple[str, str], int] = {}
    for row in rows:
        first = firsts.setdefault(row.substrate, row)
        if first.variant != row.variant:
            problems.add(
                row.at["variant"],
                f"substrate {row.substrate} is in variant {first.variant} on row "
                f"{first.row}; a substrate belongs to one variant",
            )
            continue
        if (row.substrate, row.pixel) in pixels:
            problems.add(
                row.at["pixel"],
                f"substrate {row.substrate} pixel {row.pixel} is already on row "
                f"{pixels[(row.substrate, row.pixel)]}: a duplicate device",
            )
            continue
        pixels[(row.substrate, row.pixel)] = row.row
        devices.setdefault(row.substrate, []).append(
            DevicePlan(row.pixel, row.active_area_cm2, row.mask_area_cm2, row.at["pixel"])
        )
        if row.notes and row.notes not in notes.setdefault(row.substrate, []):
            notes[row.substrate].append(row.notes)
    return tuple(
        SubstratePlan(
            label=label,
            variant=first.variant,
            material=first.substrate_material,
            notes="; ".join(notes.get(label, [])),
            devices=tuple(devices.get(label, [])),
            at=first.at["substrate"],
        )
        for label, first in firsts.items()
    )


def _check_code_lengths(
    code: str,
    variants: Iterable[VariantPlan],
    substrates: Iterable[SubstratePlan],
    problems: _Problems,
) -> None:
    if not code:
        return
    for variant in variants:
        if len(f"{code}/{variant.code}-stack") > CODE_MAX_LENGTH:
            problems.add(
                variant.at,
                f"the stack code {code}/{variant.code}-stack would be "
                f"longer than {CODE_MAX_LENGTH} characters; shorten the "
                "batch or variant code",
            )
    for substrate in substrates:
        for device in substrate.devices:
            device_code = f"{code}/{substrate.label}/{device.pixel}"
            if len(device_code) > CODE_MAX_LENGTH:
                problems.add(
                    device.at,
                    f"the device code {device_code} would be longer than "
                    f"{CODE_MAX_LENGTH} characters",
                )
