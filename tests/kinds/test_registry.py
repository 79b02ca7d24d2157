"""One registry of kinds: everything that names a kind derives from it, kinds are pure, and
results do not depend on the order in which a device's files arrive."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analysis import pipeline
from analysis.kinds import KINDS, AnalysisContext, analyse_parsed, page_figures
from analysis.models import RESULT_MODELS, EQEResult
from measurements import kinds, parsers, services
from measurements.models import Measurement

SYNTHETIC = Path(__file__).resolve().parents[1] / "data" / "synthetic"


def test_measurement_kinds_result_tables_and_analysers_all_come_from_the_registry():
    assert kinds.analysed_names() == list(KINDS)
    assert kinds.names() == [*KINDS, kinds.ATTACHMENT]
    assert set(RESULT_MODELS) == set(KINDS)
    field = Measurement._meta.get_field("kind")
    assert [name for name, _ in field.choices] == kinds.names()
    for name, spec in KINDS.items():
        assert kinds.get(name).targets == spec.targets
        model_fields = {f.name for f in RESULT_MODELS[name]._meta.get_fields()}
        # A summary field is a typed column of the result table (what tables and filters use).
        for summary in spec.summary:
            assert summary.key in model_fields, (name, summary.key)


@pytest.mark.parametrize(
    "name", ["jv_example_a.txt", "eqe_example.txt", "trpl_example.txt", "abs_example.csv"]
)
def test_a_kind_computes_its_rows_without_touching_the_database(name, db):
    parsed = parsers.parse((SYNTHETIC / name).read_bytes(), filename=name)
    with CaptureQueriesContext(connection) as queries:
        rows = analyse_parsed(parsed, AnalysisContext(area_cm2=0.1))
    assert rows and len(queries) == 0


def test_a_kind_refused_for_a_target_it_does_not_attach_to_names_the_right_one(world):
    with pytest.raises(services.UploadError, match="belongs to a device, not to synthesis"):
        services.measurement_create(
            user=world["users"]["owner"],
            target=world["a"].synthesis,
            data=(SYNTHETIC / "jv_example_a.txt").read_bytes(),
            filename="jv.txt",
        )


def _upload(world, name: str):
    measurement, _ = services.measurement_create(
        user=world["users"]["owner"],
        target=world["a"].devices[0],
        data=(SYNTHETIC / name).read_bytes(),
        filename=name,
    )
    return measurement


@pytest.mark.django_db(transaction=True)  # real commits: the refresh is announced on commit
def test_an_eqe_uploaded_before_its_jv_is_cross_checked_once_the_jv_arrives(world):
    eqe = _upload(world, "eqe_example.txt")
    first = EQEResult.objects.get(measurement=eqe)
    assert "jv_comparison" not in first.figures  # no J-V yet: nothing to compare with
    _upload(world, "jv_example_a.txt")
    refreshed = EQEResult.objects.get(measurement=eqe)
    jv_jsc = refreshed.figures["jv_comparison"]["jv_jsc_ma_cm2"]
    assert jv_jsc == pytest.approx(31.6, abs=0.5)


@pytest.mark.django_db(transaction=True)
def test_the_eqe_result_is_the_same_whichever_file_came_first(world):
    _upload(world, "jv_example_a.txt")
    eqe = _upload(world, "eqe_example.txt")
    after = EQEResult.objects.get(measurement=eqe).figures["jv_comparison"]
    # The other order, on another device of the same lab.
    device = world["a"].devices[1]
    same = services.UploadOptions(confirm_duplicate=True)  # the same files, another device
    eqe2, _ = services.measurement_create(
        user=world["users"]["owner"],
        target=device,
        data=(SYNTHETIC / "eqe_example.txt").read_bytes(),
        filename="eqe.txt",
        options=same,
    )
    services.measurement_create(
        user=world["users"]["owner"],
        target=device,
        data=(SYNTHETIC / "jv_example_a.txt").read_bytes(),
        filename="jv.txt",
        options=same,
    )
    before = EQEResult.objects.get(measurement=eqe2).figures["jv_comparison"]
    assert before == after


def test_the_context_of_a_chunk_is_read_in_one_query_whatever_its_size(world):
    made = [_upload(world, "eqe_example.txt")]
    for device in world["a"].devices[1:4]:
        m, _ = services.measurement_create(
            user=world["users"]["owner"],
            target=device,
            data=(SYNTHETIC / "eqe_example.txt").read_bytes(),
            filename="eqe.txt",
            options=services.UploadOptions(confirm_duplicate=True),
        )
        made.append(m)
    loaded = list(
        Measurement.objects.select_related(*pipeline._RELATED).filter(id__in=[m.id for m in made])
    )
    with CaptureQueriesContext(connection) as queries:
        contexts = pipeline.contexts_for(loaded)
    assert len(queries) == 1  # the devices' reference J-V Jsc, for all of them at once
    # Lineage came with the chunk's read: the synthesis's target exciton, without a query.
    assert {c.exciton_peak_nm for c in contexts.values()} == {1180}


def test_each_page_draws_the_figures_its_kinds_declare():
    assert page_figures("device", {}) == {}
    keys = {f.key for spec in KINDS.values() for f in spec.figures if f.page == "device"}
    assert {"jv", "eqe", "mpp", "intensity"} <= keys


KIND_FILES = Path(__file__).resolve().parents[1] / "data" / "synthetic_kinds"


@pytest.mark.parametrize(
    ("name", "kind", "key"),
    [
        ("cv_e4980_cp.csv", "cv", "vbi_v"),
        ("cv_hp4284_nf.txt", "cv", "vbi_v"),
        ("tpc_current_trace.txt", "tpc", "tau_us"),
        ("tpc_scope_50ohm.tpc.csv", "tpc", "tau_us"),
    ],
)
def test_the_kinds_added_through_the_registry_are_uploaded_analysed_and_drawn(
    world, name, kind, key
):
    import json

    truth = json.loads((KIND_FILES / "truth.json").read_text())[name]
    device = world["a"].devices[0]
    measurement, _ = services.measurement_create(
        user=world["users"]["owner"],
        target=device,
        data=(KIND_FILES / name).read_bytes(),
        filename=name,
    )
    pipeline.run_analysis(measurement.id)  # inside the test's transaction on_commit never fires
    measurement.refresh_from_db()
    assert measurement.kind == kind and measurement.status == "succeeded", measurement.error
    row = RESULT_MODELS[kind].objects.get(measurement=measurement)
    assert getattr(row, key) == pytest.approx(truth[key], rel=0.05)
    figs = page_figures("device", {kind: [row]})
    assert kind in figs and figs[kind]["data"]


def test_results_are_served_by_analysis_own_api_to_members_only(world, api):
    measurement = _upload(world, "jv_example_a.txt")
    pipeline.run_analysis(measurement.id)
    owner = api("owner").get("/api/v1/results/", {"device": world["a"].devices[0].code})
    assert owner.status_code == 200
    (row,) = owner.json()["results"]
    assert row["kind"] == "jv" and row["results"]["voc_v"] == pytest.approx(0.5, abs=0.01)
    detail = api("owner").get(f"/api/v1/results/{measurement.code}/")
    assert detail.json()["results"]["pce_percent"] == row["results"]["pce_percent"]
    assert api("outsider").get(f"/api/v1/results/{measurement.id}/").status_code == 404
    assert api("outsider").get("/api/v1/results/").json()["count"] == 0
    assert api(None).get("/api/v1/results/").status_code in (401, 403)


def _forward_copy(scale: float = 0.95) -> bytes:
    """jv_example_a.txt swept the other way, 5 % less current: a forward scan of the same
    device one minute later (the common case: forward and reverse in separate files)."""
    lines = (SYNTHETIC / "jv_example_a.txt").read_text().splitlines()
    header, table = lines[:8], lines[8:]
    header = [h.replace("reverse", "forward").replace("14:22:00", "14:23:00") for h in header]
    rows = []
    for line in reversed([t for t in table if t.strip()]):
        v, i = line.split("\t")
        rows.append(f"{v}\t{float(i) * scale:.8f}")
    return ("\n".join(header + rows) + "\n").encode()


@pytest.mark.django_db(transaction=True)
def test_forward_and_reverse_files_of_one_device_pair_into_a_hysteresis_index(world, api):
    from analysis.models import JVResult

    device = world["a"].devices[0]
    reverse = _upload(world, "jv_example_a.txt")
    forward, _ = services.measurement_create(
        user=world["users"]["owner"], target=device, data=_forward_copy(), filename="fwd.txt"
    )
    rev_row = JVResult.objects.get(measurement=reverse)
    fwd_row = JVResult.objects.get(measurement=forward)
    assert (rev_row.scan_direction, fwd_row.scan_direction) == ("reverse", "forward")
    hi = rev_row.figures["hysteresis"]
    assert hi == fwd_row.figures["hysteresis"]
    expected = (rev_row.pce_percent - fwd_row.pce_percent) / rev_row.pce_percent
    assert hi["hi_pce"] == pytest.approx(expected) and rev_row.hi_pce == pytest.approx(expected)
    assert hi["scan_rate_mv_s"] == 100
    body = api("owner").get(f"/api/v1/measurements/{forward.id}/").json()
    assert body["results"]["hysteresis"]["hi_pce"] == pytest.approx(expected)


@pytest.mark.django_db(transaction=True)
def test_scans_far_apart_in_time_do_not_pair(world, settings):
    from analysis.models import JVResult

    settings.HYSTERESIS_PAIR_WINDOW_S = 30  # the forward copy is a minute later
    reverse = _upload(world, "jv_example_a.txt")
    services.measurement_create(
        user=world["users"]["owner"],
        target=world["a"].devices[0],
        data=_forward_copy(),
        filename="fwd.txt",
    )
    assert JVResult.objects.get(measurement=reverse).hi_pce is None


def test_the_synthesis_takes_its_exciton_from_the_latest_absorbance_and_says_which(world):
    import datetime as dt

    from fabrication.models import Synthesis

    synthesis = world["a"].synthesis
    data = (SYNTHETIC / "abs_example.csv").read_bytes()
    older, _ = services.measurement_create(
        user=world["users"]["owner"],
        target=synthesis,
        data=data,
        filename="a.csv",
        options=services.UploadOptions(measured_at=dt.datetime(2025, 1, 2, tzinfo=dt.UTC)),
    )
    pipeline.run_analysis(older.id)
    synthesis.refresh_from_db()
    assert synthesis.exciton_measurement_code == older.code
    assert synthesis.measured_exciton_peak_nm == pytest.approx(1049.1, abs=2)
    # An older measurement uploaded later does not take over from the newer one.
    ancient, _ = services.measurement_create(
        user=world["users"]["owner"],
        target=synthesis,
        data=data + b"\n",
        filename="b.csv",
        options=services.UploadOptions(measured_at=dt.datetime(2024, 1, 2, tzinfo=dt.UTC)),
    )
    pipeline.run_analysis(ancient.id)
    synthesis.refresh_from_db()
    assert synthesis.exciton_measurement_code == older.code
    assert synthesis.history.filter(exciton_measurement_code=older.code).exists()
    # A pinned choice stays.
    Synthesis.objects.filter(id=synthesis.id).update(
        exciton_pinned=True, exciton_measurement_code=ancient.code
    )
    newest, _ = services.measurement_create(
        user=world["users"]["owner"],
        target=synthesis,
        data=data + b"\n\n",
        filename="c.csv",
        options=services.UploadOptions(measured_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC)),
    )
    pipeline.run_analysis(newest.id)
    synthesis.refresh_from_db()
    assert synthesis.exciton_measurement_code == ancient.code
