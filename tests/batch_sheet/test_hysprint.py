"""The HySprint experiment file of HZB (nomad-hysprint test data), read as it is."""

import pytest

from fabrication.batch_sheets.hysprint import HYSPRINT_DEFAULT_PIXEL_AREA_CM2
from fabrication.batch_sheets.plan import LAYOUT_HYSPRINT, LayerPlan
from fabrication.batch_sheets.problems import BatchSheetError
from fabrication.batch_sheets.reader import read_workbook

from .sheets import HYSPRINT_FILE, hysprint_copy


@pytest.fixture(scope="module")
def plan():
    return read_workbook(HYSPRINT_FILE.read_bytes())


def test_the_hysprint_layout_is_detected_and_named_after_project_and_batch(plan):
    assert plan.layout == LAYOUT_HYSPRINT
    assert (plan.code, plan.date) == ("TestP_AA", None)
    assert plan.description.startswith("Imported from a HySprint experiment file.")


def test_each_of_the_16_samples_becomes_a_substrate_with_one_device(plan):
    assert len(plan.substrates) == 16 and plan.device_count == 16
    labels = [s.label for s in plan.substrates]
    assert labels[:2] == ["hzb_TestP_AA_1_c-1", "hzb_TestP_AA_1_c-2"]
    assert labels[-1] == "hzb_TestP_AA_2_c-8"
    first = plan.substrates[0]
    assert (first.devices[0].pixel, first.devices[0].active_area_cm2) == ("P1", 0.16)
    assert first.material == "ITO Glass"
    assert first.notes == (
        "Nomad ID hzb_TestP_AA_1_c-1; Notes: Normal; Sample dimension: 5x5; "
        "Sample area [cm^2]: 10; Number of pixels: 6; Number of junctions: 1"
    )


def test_the_variation_column_makes_the_variants(plan):
    assert [(v.code, v.name, v.role, v.ink) for v in plan.variants] == [
        ("A", "Variation A", "other", "")
    ]


def test_deposition_steps_become_layers_in_process_order(plan):
    layers = plan.variants[0].layers
    assert [(la.role, la.material, la.method) for la in layers] == [
        ("substrate", "ITO Glass", ""),
        ("absorber", "CsMAFA", "spin coating"),
        ("HTL", "NiO2", "inkjet printing"),
        ("ETL", "Ar", "atomic layer deposition"),
        ("absorber", "CsMaFa", "slot-die coating"),
        ("ETL", "Ar", "thermal evaporation"),
        ("HTL", "Pd", "sputtering"),
    ]
    # "2: Spin Coating": Rotation speed 1 = 100 rpm, time 1 = 10 s; annealed 10 min, 100 C, Ar
    assert layers[1] == LayerPlan(
        role="absorber",
        material="CsMAFA",
        method="spin coating",
        spin_speed_rpm=100,
        spin_time_s=10,
        anneal_temperature_c=100,
        anneal_time_min=10,
        anneal_atmosphere="Ar",
    )
    # "3: Inkjet Printing" annealed 100 min at 14 C in N2; "7: Evaporation" 10 nm
    assert (layers[2].anneal_time_min, layers[2].anneal_temperature_c) == (100, 14)
    assert layers[5].thickness_nm == 10


def test_steps_that_make_no_layer_are_listed_as_left_out(plan):
    assert (
        "Steps not mapped to layers: 1: Cleaning O2-Plasma, 5: Laser Scribing, 9: Generic Process."
    ) in plan.notes


def test_a_blank_pixel_area_falls_back_to_the_stated_default():
    def edit(ws):
        ws["H3"] = None

    plan = read_workbook(hysprint_copy(edit))
    assert plan.substrates[0].devices[0].active_area_cm2 == HYSPRINT_DEFAULT_PIXEL_AREA_CM2
    assert (
        f"No pixel area on row(s) 3: {HYSPRINT_DEFAULT_PIXEL_AREA_CM2} cm2 assumed." in plan.notes
    )


def test_a_second_variation_makes_a_second_variant_with_its_own_layers():
    def edit(ws):
        for row in range(11, 19):
            ws[f"G{row}"] = "B"
            ws[f"AJ{row}"] = 3000

    plan = read_workbook(hysprint_copy(edit))
    assert [v.code for v in plan.variants] == ["A", "B"]
    assert plan.variants[1].layers[1].spin_speed_rpm == 3000
    assert len(plan.layer_sets()) == 2


def test_samples_of_one_variation_that_disagree_are_refused_naming_the_cell():
    def edit(ws):
        ws["AJ5"] = 4000
        ws["AU6"] = "ten"

    with pytest.raises(BatchSheetError) as error:
        read_workbook(hysprint_copy(edit))
    assert error.value.messages == [
        "sheet 'Sheet', row 6, column AU (2: Spin Coating / Annealing time [min]): 'ten' is not "
        "a number",
        "sheet 'Sheet', row 5, column AJ (2: Spin Coating / Rotation speed 1 [rpm]): variant A: "
        "rows 3 and 5 disagree ('100' on row 3, '4000' here); every row of a variant repeats "
        "its name, role, ink and layers",
    ]


def test_a_sample_without_nomad_id_or_with_a_second_batch_is_refused():
    def edit(ws):
        ws["F4"] = None
        ws["C5"] = "BB"

    with pytest.raises(BatchSheetError) as error:
        read_workbook(hysprint_copy(edit))
    assert error.value.messages[0].startswith(
        "sheet 'Sheet', row 4, column F (Experiment Info / Nomad ID): the Nomad ID is missing"
    )
    assert error.value.messages[1] == (
        "sheet 'Sheet', row 5, column C (Experiment Info / Batch): one batch per file: row 3 is "
        "TestP_AA, this row is TestP_BB"
    )


def test_long_nomad_ids_are_shortened_to_the_part_after_their_shared_prefix():
    def edit(ws):
        for row in range(3, 19):
            ws[f"F{row}"] = f"HZB_MiGo_20230913_Batch-Test-1_{ws[f'D{row}'].value}_{row}"

    plan = read_workbook(hysprint_copy(edit))
    assert [s.label for s in plan.substrates][:2] == ["1_3", "1_4"]
    assert plan.substrates[0].notes.startswith("Nomad ID HZB_MiGo_20230913_Batch-Test-1_1_3;")
