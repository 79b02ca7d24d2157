from pathlib import Path

import numpy as np
import pytest

from fabrication.models import LigandExchangeRecipe, LigandExchangeRun
from measurements import services

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def two_recipes(world, django_capture_on_commit_callbacks):
    """Project A's target variant gets a (BA)2PbI4 ink; every device has a reverse J-V."""
    a = world["a"]
    ba = LigandExchangeRecipe.objects.create(
        project=a.batch.project,
        code="A-BA-v1",
        family_code="A-BA",
        version=1,
        name="(BA)2PbI4",
        ligand_family="(BA)2PbI4",
    )
    run = LigandExchangeRun.objects.create(
        project=a.batch.project, code="A-RUN2", synthesis=a.synthesis, recipe=ba
    )
    a.variants[0].ink = run
    a.variants[0].save()
    text = (DATA / "synthetic" / "jv_example_a.txt").read_text()
    with django_capture_on_commit_callbacks(execute=True):
        for i, device in enumerate(a.devices):
            data = text.replace("Area (cm2): 0.05", f"Area (cm2): {0.05 + 0.001 * i:.3f}")
            services.measurement_create(
                user=world["users"]["owner"], target=device, data=data.encode(), filename="a.txt"
            )
    return a


def test_the_comparison_groups_devices_by_ligand_family_across_batches(client, world, two_recipes):
    client.force_login(world["users"]["owner"])
    response = client.get("/compare/", {"by": "ligand_family"})
    names = [s["name"] for s in response.context["stats"]]
    assert sorted(names) == ["(BA)2PbI4", "PbI2"]
    assert all(s["n_measured"] == 4 for s in response.context["stats"])
    # Tested on substrate means by default: one substrate of four pixels per group.
    test = response.context["tests"][0]
    assert test["per"] == "substrate" and test["n_a"] == 1
    assert (test["n_devices_a"], test["n_substrates_a"]) == (4, 1)
    pixels = client.get("/compare/", {"by": "ligand_family", "per": "device"})
    assert pixels.context["tests"][0]["n_a"] == 4


def test_the_comparison_shows_only_the_chosen_groups(client, world, two_recipes):
    client.force_login(world["users"]["owner"])
    response = client.get("/compare/", {"by": "recipe", "group": "A-BA-v1"})
    assert [s["name"] for s in response.context["stats"]] == ["A-BA-v1"]
    csv = client.get("/compare/", {"by": "recipe", "export": "csv", "table": "stats"})
    assert csv["Content-Type"].startswith("text/csv")
    xlsx = client.get("/compare/", {"by": "recipe", "export": "xlsx"})
    assert xlsx.content[:2] == b"PK"


def test_dashboard_tables_come_as_json_for_scripts(client, world, two_recipes):
    """?export=json: the same table as the CSV, as columns + rows (what pandas reads)."""
    import csv
    import io

    from analysis.exports import column_spec

    client.force_login(world["users"]["owner"])
    for table in ("stats", "devices"):
        query = {"by": "recipe", "table": table}
        body = client.get("/compare/", {**query, "export": "json"}).json()
        text = client.get("/compare/", {**query, "export": "csv"}).content.decode()
        about, header, *lines = list(csv.reader(io.StringIO(text)))
        # The CSV is for people: headers with units, a first line saying how it was made; the
        # JSON keeps the keys and full values for scripts, the same rows in the same order.
        assert about[0] == "# scan direction: reverse; grouped by: Recipe"
        assert body["filters"] == {"scan direction": "reverse", "grouped by": "Recipe"}
        assert header == [column_spec(c)[0] for c in body["columns"]]
        assert len(body["rows"]) == len(lines) > 0
        assert lines[0][0] == body["rows"][0][0]
    batch = world["a"].batch
    rows = client.get(f"/batches/{batch.pk}/", {"export": "json"}).json()["rows"]
    assert len(rows) == len(world["a"].devices)
    aging = client.get("/aging/", {"export": "json"})
    assert aging.status_code == 200 and "rows" in aging.json()


def test_large_comparisons_carry_device_links_only_on_the_pce_figure(db):
    import json

    from analysis import dashboards
    from analysis.selectors.devices import Groups

    from .columns import device_columns

    def groups(n):
        devices = device_columns(
            [{"pce_percent": 10.0, "voc_v": 0.6, "jsc_ma_cm2": 25.0, "ff": 0.6}] * (2 * n)
        )
        return Groups(devices, {"a": np.arange(n), "b": np.arange(n, 2 * n)})

    small = dashboards.distribution_figures(groups(10))
    assert all("/devices/" in json.dumps(f) for f in small.values())
    big = dashboards.distribution_figures(groups(1500))
    assert "/devices/" in json.dumps(big["pce_percent"])
    assert "/devices/" not in json.dumps(big["voc_v"])
    # Unlinked figures carry no per-point text at all, not 3,000 "?" codes.
    points = [t for t in big["voc_v"]["data"] if t["type"] == "scattergl"]
    assert points and all("text" not in t and "%{text}" not in t["hovertemplate"] for t in points)
