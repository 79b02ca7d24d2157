"""batch_import writes a plan in one transaction, into projects the user may write to."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from fabrication.batch_sheets.problems import BatchSheetError
from fabrication.batch_sheets.reader import read_workbook
from fabrication.batch_sheets.services import batch_import
from fabrication.models import Batch, Device, Stack, StackLayer, Substrate, Variant

from .sheets import BATCH, HYSPRINT_FILE, device, filled_template

pytestmark = pytest.mark.django_db

MODELS = (Batch, Variant, Stack, StackLayer, Substrate, Device)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def import_as(world, user: str, data: bytes, project: str = "a"):
    plan = read_workbook(data)
    return batch_import(user=world["users"][user], project=world["projects"][project], plan=plan)


def test_the_filled_template_round_trips_into_batch_variants_stacks_substrates_devices(lab):
    batch = import_as(lab, "colleague", filled_template())
    assert (batch.code, batch.date, batch.operator.username) == (
        "B-NEW",
        dt.date(2025, 3, 24),
        "colleague",
    )
    assert (batch.glovebox_o2_ppm, batch.glovebox_h2o_ppm) == (0.8, 0.5)
    assert (batch.relative_humidity_percent, batch.ambient_temperature_c) == (25, 22)
    assert batch.created_by == lab["users"]["colleague"]
    variants = {v.code: v for v in batch.variants.all()}
    assert sorted(variants) == ["B-NEW/C", "B-NEW/R", "B-NEW/T"]
    assert variants["B-NEW/T"].ink.code == "A-RUN2" and variants["B-NEW/C"].ink.code == "A-RUN1"
    assert (variants["B-NEW/T"].role, variants["B-NEW/T"].name) == ("target", "Target (BA)2PbI4")
    assert batch.substrates.count() == 5
    assert Device.objects.filter(substrate__batch=batch).count() == 14
    device = Device.objects.get(code="B-NEW/S3/P2")
    assert (device.pixel, device.active_area_cm2, device.mask_area_cm2) == ("P2", 0.05, 0.06)
    assert device.substrate.variant.code == "B-NEW/C"
    assert device.created_by == lab["users"]["colleague"]


def test_variants_with_the_same_layers_share_one_stack_with_ordered_layers(lab):
    batch = import_as(lab, "owner", filled_template())
    variants = {v.code: v for v in batch.variants.select_related("stack")}
    assert variants["B-NEW/T"].stack == variants["B-NEW/C"].stack
    assert variants["B-NEW/T"].stack.code == "B-NEW/T-stack"
    assert variants["B-NEW/R"].stack.code == "B-NEW/R-stack"
    stack = variants["B-NEW/T"].stack
    assert stack.name == "ITO glass/ZnO/PbS/PbS-EDT/Au"
    layers = list(stack.layers.all())
    assert [(la.order, la.role, la.material) for la in layers] == [
        (1, "substrate", "ITO glass"),
        (2, "ETL", "ZnO"),
        (3, "absorber", "PbS"),
        (4, "HTL", "PbS-EDT"),
        (5, "electrode", "Au"),
    ]
    absorber = layers[2]
    assert (absorber.spin_speed_rpm, absorber.spin_time_s, absorber.coats) == (2500, 30, 1)
    assert (absorber.anneal_temperature_c, absorber.anneal_time_min) == (70, 10)
    assert (absorber.anneal_atmosphere, absorber.thickness_nm) == ("N2", 370)
    assert absorber.uses_variant_ink and not layers[3].uses_variant_ink
    assert variants["B-NEW/R"].stack.layers.get(role="HTL").coats == 3


def test_the_hysprint_file_imports_as_16_substrates_on_one_seven_layer_stack(world):
    batch = import_as(world, "owner", HYSPRINT_FILE.read_bytes())
    assert batch.code == "TestP_AA"
    assert batch.substrates.count() == 16
    assert Device.objects.filter(substrate__batch=batch, active_area_cm2=0.16).count() == 16
    (variant,) = batch.variants.all()
    assert (variant.code, variant.stack.code) == ("TestP_AA/A", "TestP_AA/A-stack")
    spin = variant.stack.layers.get(order=2)
    assert (spin.material, spin.spin_speed_rpm, spin.anneal_atmosphere) == ("CsMAFA", 100, "Ar")
    assert variant.stack.layers.count() == 7
    assert Device.objects.filter(code="TestP_AA/hzb_TestP_AA_2_c-8/P1").exists()


def test_an_outsider_cannot_import_into_a_project_and_nothing_is_stored(lab):
    before = counts()
    with pytest.raises(PermissionDenied):
        import_as(lab, "outsider", filled_template())
    assert counts() == before


def test_a_viewer_cannot_import_either(lab):
    with pytest.raises(PermissionDenied):
        import_as(lab, "viewer", filled_template())
    assert not Batch.objects.filter(code="B-NEW").exists()


def test_an_unknown_ink_names_its_row_and_nothing_is_stored(lab):
    rows = [device("T", "S1", "P1"), device("C", "S2", "P1", Ink="A-RUN7")]
    before = counts()
    with pytest.raises(BatchSheetError) as error:
        import_as(lab, "owner", filled_template(devices=rows))
    assert error.value.messages == [
        "sheet 'Devices', row 3, column D (Ink): no ligand-exchange run (ink) 'A-RUN7' in "
        "project alpha"
    ]
    assert counts() == before


def test_an_ink_of_another_project_is_unknown_here(lab):
    rows = [device("T", "S1", "P1", Ink="B-RUN1")]
    with pytest.raises(BatchSheetError, match="no ligand-exchange run .ink. 'B-RUN1'"):
        import_as(lab, "owner", filled_template(devices=rows))


def test_an_operator_outside_the_project_is_refused(lab):
    with pytest.raises(BatchSheetError) as error:
        import_as(lab, "owner", filled_template(batch={**BATCH, "Operator": "outsider"}))
    assert error.value.messages == [
        "sheet 'Batch', row 6, column B (Operator): no user 'outsider' in project alpha"
    ]


def test_a_batch_code_that_exists_in_the_project_is_refused(lab):
    before = counts()
    with pytest.raises(BatchSheetError) as error:
        import_as(lab, "owner", filled_template(batch={**BATCH, "Code": "A-B1"}))
    assert error.value.messages == [
        "sheet 'Batch', row 2, column B (Code): a batch A-B1 already exists in project alpha"
    ]
    assert counts() == before


def test_the_same_batch_code_in_another_project_is_fine(lab):
    batch = import_as(
        lab,
        "owner",
        filled_template(
            batch={**BATCH, "Code": "B-B1"}, devices=[device("T", "S1", "P1", Ink="A-RUN1")]
        ),
    )
    assert batch.project.code == "alpha" and batch.code == "B-B1"


def test_codes_taken_outside_the_batch_are_named(lab):
    Substrate.objects.create(
        project=lab["projects"]["a"],
        code="B-NEW/S2",
        batch=lab["a"].batch,
        variant=lab["a"].variants[0],
        label="S2",
    )
    with pytest.raises(BatchSheetError) as error:
        import_as(lab, "owner", filled_template())
    assert error.value.messages == [
        "sheet 'Devices', row 5, column E (Substrate): substrate B-NEW/S2 already exists in "
        "project alpha"
    ]


def test_a_failure_half_way_stores_nothing(lab, monkeypatch):
    created = []

    def create_then_fail(**fields):
        created.append(fields["code"])
        if len(created) == 5:
            raise RuntimeError("disk full")
        return original(**fields)

    original = Device.objects.create
    monkeypatch.setattr(Device.objects, "create", create_then_fail)
    before = counts()
    with pytest.raises(RuntimeError):
        import_as(lab, "owner", filled_template())
    assert len(created) == 5
    assert counts() == before
