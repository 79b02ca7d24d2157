"""The parameter table from each device's lineage: every parameter the issue lists, units."""

from __future__ import annotations

import pytest

from fabrication.models import RecipeComponent, SynthesisPrecursor
from insights.selectors import parameter_table, unit_of

pytestmark = pytest.mark.django_db

ISSUE_COLUMNS = {
    # synthesis
    "injection_temperature_c": "°C",
    "growth_time_s": "s",
    "measured_exciton_peak_nm": "nm",
    "synthesis": "",
    # ligand exchange
    "recipe_family": "",
    "recipe_version": "",
    "recipe_solvent": "",
    "exchange_time_min": "min",
    "exciton_hwhm_mev": "meV",
    # ink age, environment, people and place
    "ink_age_days": "days",
    "glovebox_h2o_ppm": "ppm",
    "glovebox_o2_ppm": "ppm",
    "relative_humidity_percent": "%",
    "operator": "",
    "batch": "",
    "substrate": "",
    "pixel": "",
}


def test_the_table_holds_the_issues_parameters_with_their_units(world):
    table = parameter_table(world["projects"]["a"])

    assert len(table) == 8
    for column, unit in ISSUE_COLUMNS.items():
        assert column in table.columns, column
        assert unit_of(column) == unit, column


def test_precursor_amounts_their_ratio_and_recipe_concentrations_become_columns(world):
    lab = world["a"]
    for role, amount, unit in (
        ("lead", 2.0, "mmol"),
        ("sulfur", 1.0, "mmol"),
        ("solvent", 10, "mL"),
    ):
        SynthesisPrecursor.objects.create(
            synthesis=lab.synthesis, role=role, amount=amount, unit=unit
        )
    RecipeComponent.objects.create(recipe=lab.recipe, name="PbI2", amount=0.1, unit="M")

    table = parameter_table(world["projects"]["a"])

    row = table.iloc[0]
    assert row["precursor_lead_mmol"] == 2.0 and row["precursor_sulfur_mmol"] == 1.0
    assert row["precursor_pb_s_ratio"] == 2.0
    assert row["component_pbi2_m"] == 0.1
    assert "precursor_solvent_ml" not in table.columns  # a volume, not stoichiometry
    assert (unit_of("precursor_lead_mmol"), unit_of("component_pbi2_m")) == ("mmol", "M")


def test_the_exciton_width_of_the_peak_defining_absorbance_is_the_dispersity_column(
    world, django_capture_on_commit_callbacks
):
    from pathlib import Path

    from analysis.models import AbsorbanceResult
    from measurements import services

    a = world["a"]
    data = Path(__file__).resolve().parents[1] / "data" / "synthetic" / "abs_example.csv"
    with django_capture_on_commit_callbacks(execute=True):
        services.measurement_create(
            user=world["users"]["owner"],
            target=a.synthesis,
            data=data.read_bytes(),
            filename="abs_example.csv",
        )
    result = AbsorbanceResult.objects.get(measurement__synthesis=a.synthesis)

    table = parameter_table(world["projects"]["a"])

    assert table["exciton_hwhm_mev"].iloc[0] == pytest.approx(result.figures["exciton_hwhm_mev"])
    assert unit_of("exciton_hwhm_mev") == "meV" and unit_of("size_dispersion_nm") == "nm"
