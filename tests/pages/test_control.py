"""The control chart: the control variant's batch medians over time against limits set by the
first batches, per project and dot size, numbers checked against the data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics

import pytest
from django.utils import timezone

from analysis.models import JVResult
from analysis.pages.control import D2, individuals_limits
from fabrication.models import (
    Batch,
    Device,
    LigandExchangeRun,
    Substrate,
    Synthesis,
    Variant,
)
from measurements.models import Measurement, RawFile

# Control PCE per batch (three kept pixels each): medians 10.0, 10.4, 9.8, 10.2, 10.1, then 13.0.
SMALL_DOTS = [
    (10.0, 9.5, 10.5),
    (10.4, 10.0, 10.8),
    (9.8, 9.6, 10.0),
    (10.2, 10.1, 10.6),
    (10.1, 9.9, 10.3),
    (13.0, 12.8, 13.2),
]
BIG_DOTS = [(7.0, 7.2, 6.8), (7.1, 7.3, 6.9)]  # 1180 nm dots: ~1.1 eV, their own chart


def _batch(lab, project, user, raw, n: int, run, pces, prefix: str) -> Batch:
    batch = Batch.objects.create(
        project=project, code=f"{prefix}{n}", date=dt.date(2025, 1, 1) + dt.timedelta(days=7 * n)
    )
    for role, shift in (("control", 0.0), ("target", 8.0)):
        variant = Variant.objects.create(
            project=project, code=f"{batch.code}/{role[0].upper()}", batch=batch, name=role,
            role=role, ink=run,
        )  # fmt: skip
        substrate = Substrate.objects.create(
            project=project, code=f"{batch.code}/{role[0].upper()}S1", batch=batch,
            variant=variant, label=f"{role[0].upper()}S1",
        )  # fmt: skip
        values = [*pces, 50.0] if role == "control" else pces
        for p, pce in enumerate(values, start=1):
            device = Device.objects.create(
                project=project, substrate=substrate, code=f"{substrate.code}/P{p}",
                pixel=f"P{p}", active_area_cm2=0.049,
                # The fourth control pixel is excluded by hand: its 50 % never counts.
                status="excluded" if p == 4 else "ok",
            )  # fmt: skip
            m = Measurement.objects.create(
                project=project, code=f"M-{device.id}", kind="jv", device=device, raw_file=raw,
                original_filename="x.txt", status="succeeded", measured_at=timezone.now(),
            )  # fmt: skip
            JVResult.objects.create(
                measurement=m, device=device, measured_at=m.measured_at, analysis_version="t",
                scan_direction="reverse", pce_percent=pce + shift, voc_v=0.6, jsc_ma_cm2=25.0,
                ff=0.6,
            )  # fmt: skip
    return batch


@pytest.fixture
def control(world):
    lab, project, owner = world["a"], world["projects"]["a"], world["users"]["owner"]
    raw = RawFile.objects.create(sha256="0" * 64, size_bytes=1, file="raw/x")
    small = Synthesis.objects.create(
        project=project, code="A-PbS-933", target_exciton_peak_nm=933, created_by=owner
    )
    small_run = LigandExchangeRun.objects.create(
        project=project, code="A-RUN-933", synthesis=small, recipe=lab.recipe
    )
    for n, pces in enumerate(SMALL_DOTS, start=1):
        _batch(lab, project, owner, raw, n, small_run, pces, "A-S")
    for n, pces in enumerate(BIG_DOTS, start=1):
        _batch(lab, project, owner, raw, n, lab.run, pces, "A-L")
    return world


def _charts(response) -> dict[str, object]:
    return {c["chart"].dot_size: c["chart"] for c in response.context["charts"]}


def test_individuals_limits_are_the_baselines_mean_and_moving_range():
    limits = individuals_limits([10.0, 10.4, 9.8, 10.2, 10.1, 13.0])
    sigma = statistics.mean([0.4, 0.6, 0.4, 0.1]) / D2
    assert limits.centre == pytest.approx(10.1)
    assert limits.sigma == pytest.approx(sigma)
    assert limits.upper == pytest.approx(10.1 + 3 * sigma)
    assert limits.lower == pytest.approx(10.1 - 3 * sigma)
    assert limits.baseline == 5
    assert individuals_limits([10.0]).centre is None  # one batch sets no limits


def test_batch_medians_and_limits_are_those_of_the_kept_control_devices(client, control):
    client.force_login(control["users"]["owner"])
    response = client.get("/control/", {"project": "alpha"})
    assert response.status_code == 200
    charts = _charts(response)
    small = charts["1.3 eV"]
    medians = [p.medians["pce_percent"] for p in small.points]
    assert medians == pytest.approx([statistics.median(p) for p in SMALL_DOTS])
    assert [p.batch for p in small.points] == [f"A-S{n}" for n in range(1, 7)]  # time order
    assert [p.n for p in small.points] == [3] * 6  # the excluded pixel is not counted
    limits = small.limits["pce_percent"]
    assert limits.centre == pytest.approx(10.1)
    assert limits.upper == pytest.approx(10.1 + 3 * 0.375 / D2)
    # Only the last batch's control drifted out; the targets (8 % better) never enter.
    assert [p.outside["pce_percent"] for p in small.points] == [False] * 5 + [True]
    page = response.content.decode()
    assert "◆ outside" in page and 'id="fig-control-' in page


def test_dot_sizes_are_never_pooled_into_one_chart(client, control):
    client.force_login(control["users"]["owner"])
    charts = _charts(client.get("/control/", {"project": "alpha"}))
    assert set(charts) == {"1.3 eV", "1.1 eV"}
    big = charts["1.1 eV"]
    assert [p.batch for p in big.points] == ["A-L1", "A-L2"]
    assert [p.medians["pce_percent"] for p in big.points] == pytest.approx([7.0, 7.1])


def test_the_csv_holds_the_same_numbers_with_units(client, control):
    client.force_login(control["users"]["owner"])
    response = client.get("/control/", {"project": "alpha", "export": "csv"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("# ") and "control" in lines[0] and "reverse" in lines[0]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[1:]))))
    pce = [r for r in rows if r["Metric"] == "PCE" and r["Dot size (bandgap)"] == "1.3 eV"]
    assert [float(r["Batch median"]) for r in pce] == [10.0, 10.4, 9.8, 10.2, 10.1, 13.0]
    assert {r["Unit"] for r in pce} == {"%"}
    assert float(pce[0]["Centre line"]) == 10.1
    assert [r["Outside limits"] for r in pce] == ["no"] * 5 + ["yes"]
    ff = [r for r in rows if r["Metric"] == "FF"]
    assert {float(r["Batch median"]) for r in ff} == {60.0}  # in percent, as on every page


def test_an_outsider_sees_nothing_of_another_projects_control_variant(client, control):
    client.force_login(control["users"]["outsider"])
    for query in (
        {},
        {"project": "alpha"},
        {"export": "csv"},
        {"project": "alpha", "export": "csv"},
    ):
        body = client.get("/control/", query).content.decode()
        assert "A-S1" not in body and "A-L1" not in body and "alpha" not in body
    page = client.get("/control/", {"project": "alpha"}).content.decode()
    assert "No such project among yours" in page


def test_a_project_without_control_devices_says_so(client, world):
    client.force_login(world["users"]["owner"])
    Variant.objects.filter(role="control").update(role="other")
    page = client.get("/control/").content.decode()
    assert "No measured control devices yet" in page


def test_the_chart_is_a_valid_plotly_figure_with_flagged_points(client, control):
    import plotly.graph_objects as go

    client.force_login(control["users"]["owner"])
    shown = client.get("/control/", {"project": "alpha"}).context["charts"]
    small = next(c for c in shown if c["chart"].dot_size == "1.3 eV")
    go.Figure(small["fig"])  # raises on anything plotly would not draw
    pce = small["fig"]["data"][0]
    assert pce["y"] == [10.0, 10.4, 9.8, 10.2, 10.1, 13.0]
    assert pce["marker"]["symbol"] == ["circle"] * 5 + ["diamond"]
    names = {t["name"] for t in small["fig"]["data"]}
    assert {"Centre line", "Lower limit (−3σ)", "Upper limit (+3σ)"} <= names
