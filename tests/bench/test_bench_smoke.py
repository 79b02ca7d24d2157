"""The benchmarks still run against the current code: each section on tiny sizes.

Timings are printed by `python -m bench`, never asserted here.
"""

from __future__ import annotations

import pytest

from bench import dashboards, parse_analyse, world
from bench.files import generate


def test_the_parse_section_reads_and_analyses_every_kind_beside_the_plain_script():
    result = parse_analyse.run(counts={kind: 2 for kind in parse_analyse.SIZES})

    for kind, r in result["kinds"].items():
        assert r["failed"]["ours"] == 0, (kind, r["errors"])
        assert r["ours"]["total"]["median_ms"] is not None
    jv = result["kinds"]["jv"]
    assert jv["failed"]["plain"] == 0
    assert jv["agreement"]["median_abs_difference"] < 0.5  # PCE in % points: same curves
    assert "1b. the plain script" in parse_analyse.report(result)


@pytest.mark.django_db
def test_the_bench_worlds_hold_their_files_and_every_dashboard_page_answers():
    files = generate({"jv": 4}, prefix="T")["jv"]
    lab = world.lab("ingest")
    devices = world.devices_for(lab, [f.target for f in files])
    assert set(devices) == {f.target.code for f in files}
    assert world.api_token(lab.user)

    scale = dashboards.Scale(
        batches=2, variants=2, substrates=2, pixels=2, results=2, aging_devices=4, aging_points=3
    )
    ids = dashboards.populate(scale)
    assert ids["results"] == scale.devices * scale.results + 4 * 3

    pages = dashboards.measure(ids, reps=1)
    assert {name: p["status"] for name, p in pages.items()} == dict.fromkeys(pages, 200)
    assert "3. dashboards" in dashboards.report({"database": "test", "data": ids, "pages": pages})
