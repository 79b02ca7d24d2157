"""The reference paper's experiment as fabrication records (Liao, Dong et al., EES Solar 2025).

Idempotent: every object is looked up by its project and code first, so running it twice
changes nothing. Measurement files for these devices come from ``demo.generators``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from core.models import Membership, Project
from fabrication.models import (
    Batch,
    Chemical,
    Device,
    Film,
    LayerRecipe,
    LigandExchangeRecipe,
    LigandExchangeRun,
    RecipeComponent,
    Stack,
    StackLayer,
    Substrate,
    Synthesis,
    SynthesisPrecursor,
    Variant,
)

DEMO_PROJECT = "ees-solar-2025"
DEMO_USER = "demo"
DEMO_PASSWORD = "cqdlab-demo"
SUBSTRATES_PER_VARIANT = 5
PIXELS_PER_SUBSTRATE = 6
PIXEL_AREA_CM2 = 0.05

CHEMICALS = [
    ("PbO", "lead(II) oxide", "PbO", "Sigma-Aldrich", 99.999),
    ("OA", "oleic acid", "C18H34O2", "Sigma-Aldrich", 90.0),
    ("ODE", "1-octadecene", "C18H36", "Sigma-Aldrich", 90.0),
    ("TMS2S", "bis(trimethylsilyl) sulfide", "(CH3)3SiSSi(CH3)3", "Sigma-Aldrich", 95.0),
    ("PbI2", "lead(II) iodide", "PbI2", "TCI", 99.99),
    ("PbBr2", "lead(II) bromide", "PbBr2", "TCI", 99.99),
    ("nBAI", "n-butylammonium iodide", "C4H12IN", "Greatcell", 99.99),
    ("MAI", "methylammonium iodide", "CH6IN", "Greatcell", 99.99),
    ("NH4Ac", "ammonium acetate", "CH3COONH4", "Sigma-Aldrich", 98.0),
    ("DMF", "N,N-dimethylformamide", "C3H7NO", "Sigma-Aldrich", 99.8),
    ("TOL", "toluene", "C7H8", "Sigma-Aldrich", 99.8),
    ("BTA", "n-butylamine", "C4H11N", "Sigma-Aldrich", 99.5),
    ("EDT", "1,2-ethanedithiol", "C2H6S2", "Sigma-Aldrich", 98.0),
    ("OCT", "octane", "C8H18", "Sigma-Aldrich", 99.0),
]

# (family code, name, ligand family, quasi-2D n, components: (chemical, amount, unit, role))
RECIPES = [
    (
        "LX-PbI2",
        "Control: PbI2 + additives in DMF",
        "PbI2",
        None,
        [
            ("PbI2", 0.1, "M", "ligand"),
            ("PbBr2", 0.02, "M", "additive"),
            ("NH4Ac", 0.04, "M", "additive"),
            ("DMF", 5, "mL", "solvent"),
        ],
    ),
    (
        "LX-MAPbI3",
        "MAPbI3 (3D perovskite ligand) in DMF",
        "MAPbI3",
        None,
        [("PbI2", 0.1, "M", "ligand"), ("MAI", 0.1, "M", "ligand"), ("DMF", 5, "mL", "solvent")],
    ),
    (
        "LX-BA2PbI4",
        "Target: (BA)2PbI4 from PbI2 + n-BAI + NH4Ac in DMF",
        "(BA)2PbI4",
        None,
        [
            ("PbI2", 0.1, "M", "ligand"),
            ("nBAI", 0.2, "M", "ligand"),
            ("NH4Ac", 0.04, "M", "additive"),
            ("DMF", 5, "mL", "solvent"),
        ],
    ),
    (
        "LX-BA2MA4Pb5I16",
        "Quasi-2D (BA)2(MA)4Pb5I16 in DMF",
        "quasi-2D",
        5,
        [
            ("PbI2", 0.1, "M", "ligand"),
            ("nBAI", 0.04, "M", "ligand"),
            ("MAI", 0.08, "M", "ligand"),
            ("DMF", 5, "mL", "solvent"),
        ],
    ),
]

# (code, target exciton peak nm, injection T, growth time s)
SYNTHESES = [("PbS-933", 933.0, 95.0, 60.0), ("PbS-1180", 1180.0, 125.0, 240.0)]

# (batch code, synthesis code, dot-size label, date)
BATCHES = [
    ("B2025-06-16", "PbS-933", "1.3eV", dt.date(2025, 6, 16)),
    ("B2025-06-02", "PbS-1180", "1.0eV", dt.date(2025, 6, 2)),
]
# Extra pixels per variant that go into stability studies: (substrate suffix, pixels).
AGING_SUBSTRATES = {"argon": ("AG-Ar", 3), "air80c": ("AG-80C", 2)}
VARIANTS = [
    ("T", "Target (BA)2PbI4", "target", "LX-BA2PbI4"),
    ("C", "Control PbI2", "control", "LX-PbI2"),
]


@dataclass(frozen=True)
class DemoDevice:
    code: str
    batch_code: str
    dot_size: str
    role: str
    index: int


@dataclass(frozen=True)
class DemoFabrication:
    project: Project
    user: object
    devices: list[DemoDevice]
    # (dot size, role, condition) -> device codes of the stability pixels
    aging_devices: dict[tuple[str, str, str], list[str]]
    films: dict[tuple[str, str], str]  # (dot size, role) -> film code
    syntheses: dict[str, str]  # dot size -> synthesis code
    batches: dict[str, str]  # dot size -> batch code


def _get(model, project, code, **defaults):
    obj, _ = model.objects.get_or_create(project=project, code=code, defaults=defaults)
    return obj


def _demo_user(project: Project):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=DEMO_USER,
        defaults={"first_name": "Demo", "last_name": "Chemist", "is_staff": True},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    group, _ = Group.objects.get_or_create(name="Lab staff")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["core", "fabrication", "measurements", "analysis"]
        )
    )
    user.groups.add(group)
    Membership.objects.get_or_create(
        project=project, user=user, defaults={"role": Membership.Role.MANAGER}
    )
    return user


def _chemistry(project, user) -> dict[str, Chemical]:
    chems = {}
    for code, name, formula, supplier, purity in CHEMICALS:
        chems[code] = _get(
            Chemical,
            project,
            code,
            name=name,
            formula=formula,
            supplier=supplier,
            purity_percent=purity,
            lot=f"{code}-2025-01",
            created_by=user,
        )
    return chems


def _syntheses(project, user, chems) -> dict[str, Synthesis]:
    result = {}
    for code, peak, temp, growth in SYNTHESES:
        syn = _get(
            Synthesis,
            project,
            code,
            name=f"PbS-OA, exciton {peak:.0f} nm",
            date=dt.date(2025, 5, 19),
            operator=user,
            injection_temperature_c=temp,
            growth_time_s=growth,
            solvent="octane",
            target_exciton_peak_nm=peak,
            concentration_mg_ml=50.0,
            yield_mg=420.0,
            created_by=user,
            glovebox_o2_ppm=0.5,
            glovebox_h2o_ppm=0.3,
        )
        if not syn.precursors.exists():
            for i, (chem, amount, unit, role) in enumerate(
                [
                    ("PbO", 0.9, "g", "lead"),
                    ("OA", 3.0, "mL", "ligand"),
                    ("ODE", 27.0, "mL", "solvent"),
                    ("TMS2S", 210.0, "uL", "sulfur"),
                ]
            ):
                SynthesisPrecursor.objects.create(
                    synthesis=syn,
                    order=i,
                    chemical=chems[chem],
                    amount=amount,
                    unit=unit,
                    role=role,
                )
        result[code] = syn
    return result


def _recipes(project, user, chems) -> dict[str, LigandExchangeRecipe]:
    result = {}
    for family, name, ligand_family, n, components in RECIPES:
        recipe = _get(
            LigandExchangeRecipe,
            project,
            f"{family}-v1",
            family_code=family,
            version=1,
            name=name,
            ligand_family=ligand_family,
            quasi2d_n=n,
            solvent="DMF",
            antisolvent="toluene",
            wash_count=2,
            centrifuge_rpm=6000,
            centrifuge_time_s=300,
            redispersion_solvent="butylamine",
            redispersion_concentration_mg_ml=500,
            created_by=user,
        )
        if not recipe.components.exists():
            RecipeComponent.objects.bulk_create(
                RecipeComponent(recipe=recipe, order=i, chemical=chems[c], amount=a, unit=u, role=r)
                for i, (c, a, u, r) in enumerate(components)
            )
        result[family] = recipe
    return result


def _stack(project, user) -> Stack:
    stack = _get(
        Stack, project, "STACK-ITO-ZnO-PbS-EDT-Au", name="ITO/ZnO/PbS/PbS-EDT/Au", created_by=user
    )
    if not stack.layers.exists():
        layers = [
            dict(role="substrate", material="ITO glass", method="purchased", thickness_nm=150),
            dict(
                role="ETL",
                material="ZnO",
                method="sol-gel spin coating",
                spin_speed_rpm=3000,
                spin_time_s=30,
                coats=1,
                anneal_temperature_c=200,
                anneal_time_min=30,
                anneal_atmosphere="air",
                thickness_nm=40,
            ),
            dict(
                role="absorber",
                material="PbS",
                method="spin coating",
                spin_speed_rpm=2500,
                spin_time_s=30,
                coats=1,
                anneal_temperature_c=70,
                anneal_time_min=10,
                anneal_atmosphere="N2",
                thickness_nm=370,
                uses_variant_ink=True,
            ),
            dict(
                role="HTL",
                material="PbS-EDT",
                method="layer-by-layer spin coating",
                spin_speed_rpm=2500,
                spin_time_s=15,
                coats=2,
                thickness_nm=50,
            ),
            dict(role="electrode", material="Au", method="thermal evaporation", thickness_nm=80),
        ]
        for i, layer in enumerate(layers):
            StackLayer.objects.create(stack=stack, order=i + 1, **layer)
    for code, name, role, material, method in [
        ("LR-ZnO", "ZnO sol-gel", "ETL", "ZnO", "sol-gel spin coating"),
        ("LR-EDT", "PbS-EDT hole transport", "HTL", "PbS-EDT", "layer-by-layer spin coating"),
        ("LR-Au", "Au contact", "electrode", "Au", "thermal evaporation"),
    ]:
        _get(
            LayerRecipe,
            project,
            code,
            name=name,
            role=role,
            material=material,
            method=method,
            created_by=user,
        )
    return stack


@transaction.atomic
def create_demo_fabrication() -> DemoFabrication:
    project, _ = Project.objects.get_or_create(
        code=DEMO_PROJECT,
        defaults={
            "name": "In situ 2D-perovskite-like ligands (EES Solar 2025)",
            "description": "Liao, Dong et al., EES Solar 2025, doi 10.1039/d5el00135h",
        },
    )
    user = _demo_user(project)
    chems = _chemistry(project, user)
    syntheses = _syntheses(project, user, chems)
    recipes = _recipes(project, user, chems)
    stack = _stack(project, user)
    devices: list[DemoDevice] = []
    aging: dict[tuple[str, str, str], list[str]] = {}
    films: dict[tuple[str, str], str] = {}
    for batch_code, syn_code, dot_size, date in BATCHES:
        batch = _get(
            Batch,
            project,
            batch_code,
            name=f"{dot_size} dots: (BA)2PbI4 vs PbI2",
            date=date,
            operator=user,
            created_by=user,
            glovebox_o2_ppm=0.8,
            glovebox_h2o_ppm=0.5,
            relative_humidity_percent=25,
            ambient_temperature_c=22,
        )
        substrate_no = 0
        for letter, name, role, family in VARIANTS:
            ink = _get(
                LigandExchangeRun,
                project,
                f"LX-{syn_code}-{letter}",
                synthesis=syntheses[syn_code],
                recipe=recipes[family],
                date=date,
                operator=user,
                dots_volume_ml=1.0,
                precursor_volume_ml=5.0,
                ratio="1:5 v/v",
                exchange_time_min=5.0,
                wash_count=2,
                centrifuge_rpm=6000,
                centrifuge_time_s=300,
                phase_transfer_complete=True,
                colloidal_stability="stable",
                ink_concentration_mg_ml=500,
                created_by=user,
            )
            variant = _get(
                Variant,
                project,
                f"{batch_code}/{letter}",
                batch=batch,
                name=name,
                role=role,
                stack=stack,
                ink=ink,
                created_by=user,
            )
            index = 0
            for _ in range(SUBSTRATES_PER_VARIANT):
                substrate_no += 1
                substrate = _get(
                    Substrate,
                    project,
                    f"{batch_code}/S{substrate_no}",
                    batch=batch,
                    variant=variant,
                    label=f"S{substrate_no}",
                    created_by=user,
                )
                for pixel in range(1, PIXELS_PER_SUBSTRATE + 1):
                    code = f"{batch_code}/S{substrate_no}/P{pixel}"
                    _get(
                        Device,
                        project,
                        code,
                        substrate=substrate,
                        pixel=f"P{pixel}",
                        active_area_cm2=PIXEL_AREA_CM2,
                        mask_area_cm2=PIXEL_AREA_CM2,
                        created_by=user,
                    )
                    devices.append(DemoDevice(code, batch_code, dot_size, role, index))
                    index += 1
            for condition, (suffix, pixels) in AGING_SUBSTRATES.items():
                substrate = _get(
                    Substrate,
                    project,
                    f"{batch_code}/{letter}-{suffix}",
                    batch=batch,
                    variant=variant,
                    label=f"{letter}-{suffix}",
                    created_by=user,
                )
                codes = []
                for pixel in range(1, pixels + 1):
                    code = f"{batch_code}/{letter}-{suffix}/P{pixel}"
                    _get(
                        Device,
                        project,
                        code,
                        substrate=substrate,
                        pixel=f"P{pixel}",
                        active_area_cm2=PIXEL_AREA_CM2,
                        mask_area_cm2=PIXEL_AREA_CM2,
                        created_by=user,
                    )
                    codes.append(code)
                aging[(dot_size, role, condition)] = codes
            film_code = f"F-{dot_size}-{letter}"
            _get(
                Film,
                project,
                film_code,
                name=f"{name} film on glass, {dot_size} dots",
                synthesis=syntheses[syn_code],
                ink=ink,
                batch=batch,
                thickness_nm=370,
                created_by=user,
            )
            films[(dot_size, role)] = film_code
    # The MAPbI3 ink exists in the paper too; it has no devices in the demo.
    _get(
        LigandExchangeRun,
        project,
        "LX-PbS-1180-M",
        synthesis=syntheses["PbS-1180"],
        recipe=recipes["LX-MAPbI3"],
        date=dt.date(2025, 6, 2),
        operator=user,
        colloidal_stability="grey",
        phase_transfer_complete=True,
        observations="Solution turned grey within an hour; powder aggregated on drying.",
        created_by=user,
    )
    return DemoFabrication(
        project=project,
        user=user,
        devices=devices,
        aging_devices=aging,
        films=films,
        syntheses={"1.3eV": "PbS-933", "1.0eV": "PbS-1180"},
        batches={size: code for code, _, size, _ in BATCHES},
    )
