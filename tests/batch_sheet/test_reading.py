"""Filled-in cqdlab sheets read into plans: pure, no database."""

import datetime as dt

from fabrication.batch_sheets.plan import LAYOUT_CQDLAB, LayerPlan
from fabrication.batch_sheets.reader import read_workbook

from .sheets import device, filled_template


def test_a_filled_template_reads_into_a_plan_of_variants_substrates_and_devices():
    plan = read_workbook(filled_template())
    assert plan.layout == LAYOUT_CQDLAB
    assert (plan.code, plan.date, plan.operator) == ("B-NEW", dt.date(2025, 3, 24), "colleague")
    assert (plan.glovebox_o2_ppm, plan.relative_humidity_percent) == (0.8, 25)
    assert plan.description == "Notes: ZnO aged 2 days"
    assert [(v.code, v.role, v.ink) for v in plan.variants] == [
        ("T", "target", "A-RUN2"),
        ("C", "control", "A-RUN1"),
        ("R", "reference", "A-RUN1"),
    ]
    assert [s.label for s in plan.substrates] == ["S1", "S2", "S3", "S4", "S5"]
    assert plan.device_count == 14
    assert plan.variants[0].rows == (2, 3, 4, 5, 6, 7)


def test_the_absorber_uses_the_variant_ink_and_layers_keep_stack_order():
    target = read_workbook(filled_template()).variants[0]
    assert [layer.role for layer in target.layers] == [
        "substrate",
        "ETL",
        "absorber",
        "HTL",
        "electrode",
    ]
    assert target.layers[2] == LayerPlan(
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
    )
    assert not any(layer.uses_variant_ink for layer in target.layers if layer.role != "absorber")


def test_variants_with_the_same_layers_share_one_layer_set():
    plan = read_workbook(filled_template())
    assert len(plan.layer_sets()) == 2  # T and C alike; R has three EDT coats
    assert plan.variants[2].layers[3].coats == 3


def test_a_layer_left_blank_is_left_out_of_the_stack():
    blank = {f"Electrode {p}": None for p in ("material", "method", "thickness (nm)")}
    plan = read_workbook(filled_template(devices=[device("T", "S1", "P1", **blank)]))
    assert [layer.role for layer in plan.variants[0].layers][-1] == "HTL"


def test_numbers_written_as_text_and_integer_labels_are_accepted():
    rows = [device("T", 1, 2, area="0.0625", **{"Absorber spin speed (rpm)": "2500"})]
    plan = read_workbook(filled_template(devices=rows))
    (substrate,) = plan.substrates
    assert (substrate.label, substrate.devices[0].pixel) == ("1", "2")
    assert substrate.devices[0].active_area_cm2 == 0.0625
    assert plan.variants[0].layers[2].spin_speed_rpm == 2500


def test_role_is_read_case_insensitively_and_a_blank_name_defaults_to_the_code():
    rows = [device("T", "S1", "P1", Role="Target", **{"Variant name": None})]
    variant = read_workbook(filled_template(devices=rows)).variants[0]
    assert (variant.role, variant.name) == ("target", "T")
