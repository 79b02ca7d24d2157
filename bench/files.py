"""Instrument files for the benchmarks, from `demo.generators.instruments` (deterministic).

Files are drawn round by round: each round is a fresh set of the four demo groups' devices,
films and syntheses with its own random streams and codes, so any number of distinct files
(distinct bytes, distinct targets) can be had per kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from demo.generators import instruments as demo

DEVICE_KINDS = ("jv", "eqe", "mpp", "intensity", "tpv")
FILM_KINDS = ("absorbance", "pl", "trpl")
MAX_ROUNDS = 500  # a bound on the loop: one round gives 240 J-V files, 12 EQE, 8 absorbance
START = datetime(2025, 6, 2, 9, 30)


@dataclass(frozen=True)
class Target:
    """Where a device file belongs; enough to create the device rows in a bench database."""

    code: str
    batch: str
    variant: str  # variant code, unique in the project
    role: str  # target | control
    substrate: str
    pixel: str
    area_cm2: float


@dataclass(frozen=True)
class BenchFile:
    kind: str
    filename: str
    content: bytes
    target: Target | None  # None for films and syntheses


def _device_target(prefix: str, rnd: int, group: demo.Group, index: int) -> Target:
    batch = f"{prefix}{rnd:03d}-{group.batch}"
    variant = f"{batch}/{group.variant}"
    substrate = f"{variant}/S{index // demo.PIXELS_PER_SUBSTRATE + 1}"
    pixel = f"P{index % demo.PIXELS_PER_SUBSTRATE + 1}"
    return Target(
        code=f"{substrate}/{pixel}",
        batch=batch,
        variant=variant,
        role=group.role,
        substrate=substrate,
        pixel=pixel,
        area_cm2=group.area_cm2,
    )


def _want(counts: dict[str, int], got: dict[str, list], kinds) -> bool:
    return any(len(got[k]) < counts.get(k, 0) for k in kinds)


def generate(
    counts: dict[str, int], seed: int = 7, prefix: str = "R"
) -> dict[str, list[BenchFile]]:
    """``counts`` files per kind (jv, eqe, mpp, intensity, tpv, absorbance, pl, trpl).

    J-V files come in reverse/forward pairs of one device, so an even J-V count keeps pairs.
    """
    got: dict[str, list[BenchFile]] = {k: [] for k in (*DEVICE_KINDS, *FILM_KINDS)}
    unknown = set(counts) - set(got)
    if unknown:
        raise ValueError(f"unknown kinds: {sorted(unknown)}")
    for rnd in range(MAX_ROUNDS):
        if not _want(counts, got, got):
            break
        start = START + timedelta(days=rnd)
        for g, group in enumerate(demo.GROUPS):
            champions = demo.champion_indices(group)
            for index in range(group.n_devices):
                need_jv = _want(counts, got, ("jv",))
                need_char = index in champions and _want(counts, got, DEVICE_KINDS[1:])
                if not (need_jv or need_char):
                    continue
                target = _device_target(prefix, rnd, group, index)
                rng = np.random.default_rng([seed, rnd, g, index])
                for f in demo.device_files(group, target.code, index, start, rng):
                    got[f.kind].append(BenchFile(f.kind, f.filename, f.content, target))
            if _want(counts, got, FILM_KINDS):
                rng = np.random.default_rng([seed, rnd, g, 1000])
                code = f"{prefix}{rnd:03d}-{group.batch}/{group.variant}/F1"
                for f in demo.film_files(group, code, start, rng):
                    got[f.kind].append(BenchFile(f.kind, f.filename, f.content, None))
        if _want(counts, got, ("absorbance", "pl")):
            for s, size in enumerate(demo.DOT_SIZES):
                rng = np.random.default_rng([seed, rnd, 2000 + s])
                code = f"{prefix}{rnd:03d}-PbS-{size}"
                for f in demo.synthesis_files(size, code, start, rng):
                    got[f.kind].append(BenchFile(f.kind, f.filename, f.content, None))
    else:
        raise RuntimeError(f"not enough demo files after {MAX_ROUNDS} rounds")
    return {k: files[: counts[k]] for k, files in got.items() if counts.get(k)}
