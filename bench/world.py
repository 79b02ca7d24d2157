"""Bench worlds in a bench database: a project, its manager, the lab objects devices hang on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .files import Target

PASSWORD = "bench-manager-pass"


@dataclass
class Lab:
    project: object
    user: object
    syntheses: list
    recipes: list
    runs: list
    stack: object


def lab(code: str = "bench", runs_per_recipe: int = 1) -> Lab:
    """A project with a manager, two syntheses, three recipe versions and their inks."""
    from django.contrib.auth import get_user_model

    from core.models import Membership, Project
    from fabrication.models import LigandExchangeRecipe, LigandExchangeRun, Stack, Synthesis

    user = get_user_model().objects.create_user(f"{code}-manager", password=PASSWORD)
    project = Project.objects.create(code=code, name=f"Benchmark {code}")
    Membership.objects.create(project=project, user=user, role="manager")
    syntheses = [
        Synthesis.objects.create(
            project=project, code=f"PbS-{nm}", target_exciton_peak_nm=nm, created_by=user
        )
        for nm in (933, 1180)
    ]
    recipes = []
    for family, ligand, version in (
        ("LX-BA2PbI4", "(BA)2PbI4", 1),
        ("LX-BA2PbI4", "(BA)2PbI4", 2),
        ("LX-PbI2", "PbI2", 1),
    ):
        recipes.append(
            LigandExchangeRecipe.objects.create(
                project=project,
                code=f"{family}-v{version}",
                family_code=family,
                version=version,
                previous_version=recipes[-1] if version > 1 else None,
                name=f"{ligand} exchange",
                ligand_family=ligand,
                created_by=user,
            )
        )
    runs = LigandExchangeRun.objects.bulk_create(
        [
            LigandExchangeRun(
                project=project,
                code=f"INK-{r.code}-{s.code}-{i}",
                synthesis=s,
                recipe=r,
                date=date(2025, 6, 1),
            )
            for r in recipes
            for s in syntheses
            for i in range(runs_per_recipe)
        ]
    )
    stack = Stack.objects.create(project=project, code="ITO/ZnO/PbS/Au", name="n-i-p")
    return Lab(project, user, syntheses, recipes, runs, stack)


def ink_for(lab_: Lab, role: str, index: int):
    """Target variants get a (BA)2PbI4 ink (v1 then v2), controls PbI2; syntheses alternate."""
    recipe = lab_.recipes[2] if role == "control" else lab_.recipes[0 if index % 4 < 2 else 1]
    candidates = [r for r in lab_.runs if r.recipe_id == recipe.id]
    return candidates[index % len(candidates)]


def devices_for(lab_: Lab, targets: Iterable[Target]) -> dict[str, int]:
    """Batches, variants, substrates and devices for the targets of generated files."""
    from fabrication.models import Batch, Device, Substrate, Variant

    targets = {t.code: t for t in targets}.values()
    p, user = lab_.project, lab_.user
    batches = {
        code: Batch(project=p, code=code, name=code, date=date(2025, 6, 2), created_by=user)
        for code in sorted({t.batch for t in targets})
    }
    Batch.objects.bulk_create(batches.values())
    variants: dict[str, Variant] = {}
    for i, t in enumerate(sorted({(t.variant, t.batch, t.role) for t in targets})):
        code, batch, role = t
        variants[code] = Variant(
            project=p,
            code=code,
            batch=batches[batch],
            name=role,
            role=role,
            stack=lab_.stack,
            ink=ink_for(lab_, role, i),
        )
    Variant.objects.bulk_create(variants.values())
    substrates = {}
    for t in targets:
        if t.substrate not in substrates:
            substrates[t.substrate] = Substrate(
                project=p,
                code=t.substrate,
                batch=batches[t.batch],
                variant=variants[t.variant],
                label=t.substrate.rsplit("/", 1)[-1],
            )
    Substrate.objects.bulk_create(substrates.values())
    devices = Device.objects.bulk_create(
        [
            Device(
                project=p,
                code=t.code,
                substrate=substrates[t.substrate],
                pixel=t.pixel,
                active_area_cm2=t.area_cm2,
            )
            for t in targets
        ]
    )
    return {d.code: d.id for d in devices}


def api_token(user) -> str:
    """A personal API token's key, made the way the app makes them."""
    try:
        from core.tokens import token_create
    except ImportError:  # before hashed personal tokens: DRF's own token table
        from rest_framework.authtoken.models import Token

        return Token.objects.create(user=user).key
    return token_create(user, "bench")[1]
