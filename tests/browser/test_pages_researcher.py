"""The researcher's pages in chromium (issue 15): every new figure draws without a console
error, at 1440 px and at a phone's 390 px without sideways scroll; a forward and a reverse file
of one device, analysed in-process, pair into side-by-side panels with their hysteresis index."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from analysis.models import StabilityStudy
from measurements import services

from .conftest import login

DATA = Path(__file__).resolve().parents[1] / "data"
JV_REVERSE = DATA / "synthetic" / "jv_example_a.txt"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _forward_copy() -> bytes:
    """The reverse scan swept the other way one minute later, with 5 % less current."""
    lines = JV_REVERSE.read_text().splitlines()
    header = [h.replace("reverse", "forward").replace("14:22:00", "14:23:00") for h in lines[:8]]
    rows = [
        f"{v}\t{float(i) * 0.95:.8f}"
        for v, i in (line.split("\t") for line in reversed(lines[8:]) if line.strip())
    ]
    return ("\n".join(header + rows) + "\n").encode()


@pytest.fixture
def lab(world):
    """Every device of project A measured (reverse), the first also forward; a study."""
    owner = world["users"]["owner"]
    text = JV_REVERSE.read_text()
    for i, device in enumerate(world["a"].devices):
        data = text.replace("Area (cm2): 0.05", f"Area (cm2): {0.05 + 0.001 * i:.3f}")
        services.measurement_create(
            user=owner, target=device, data=data.encode(), filename=JV_REVERSE.name
        )
    services.measurement_create(
        user=owner, target=world["a"].devices[0], data=_forward_copy(), filename="forward.txt"
    )
    study = StabilityStudy.objects.create(
        project=world["a"].batch.project, code="ST-1", name="dark, N2", atmosphere="n2",
        started_at=timezone.now() - timedelta(days=400),
    )  # fmt: skip
    study.devices.add(*world["a"].devices)
    return world


def _errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _drawn(page, url: str, figures: list[str]) -> None:
    page.goto(url)
    for name in figures:
        page.wait_for_selector(f"#{name}-plot[data-rendered=true]")


def _sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", [1440, 390])
def test_the_batch_page_draws_its_champions_and_substrate_map_at_desk_and_phone_width(
    page, lab, width
):
    errors = _errors(page)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "owner", "owner-pass-123")
    batch = lab["a"].batch
    _drawn(
        page,
        f"{page.base}/batches/{batch.id}/",
        ["fig-pce", "fig-champion-jv", "fig-substrates"],
    )
    assert (
        "No EQE measured on these champions yet." in page.locator("#champion-curves").inner_text()
    )
    # Eight measured pixels, one square each, placed as on the mask.
    squares = page.locator("#fig-substrates-plot g.trace.scatter").first.locator("path.point")
    assert squares.count() == len(lab["a"].devices)
    assert page.locator("table.champions tbody tr").count() == 2
    assert _sideways(page) <= 0
    assert errors == []


def test_a_forward_and_reverse_pair_is_drawn_side_by_side_with_its_hysteresis_index(page, lab):
    errors = _errors(page)
    login(page, "owner", "owner-pass-123")
    device = lab["a"].devices[0]
    _drawn(page, f"{page.base}/devices/{device.id}/", ["fig-jv", "fig-hysteresis"])
    # plotly writes sub/superscripts with zero-width spaces around them.
    title = page.locator("#fig-hysteresis-plot .annotation-text").first.text_content()
    title = title.replace("\u200b", "")
    assert re.search(r"HIPCE = 0\.0\d\d \(PCE \d+\.\d\d % rev, \d+\.\d\d % fwd\)", title)
    legend = page.locator("#fig-hysteresis-plot .legendtext").all_text_contents()
    assert legend == ["reverse", "forward"]
    assert errors == []


@pytest.mark.parametrize("width", [1440, 390])
def test_the_comparison_and_the_aging_of_one_study_draw_without_errors(page, lab, width):
    errors = _errors(page)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "owner", "owner-pass-123")
    _drawn(page, f"{page.base}/compare/?by=recipe&then=batch", ["fig-pce", "fig-ff"])
    assert "then by Batch" in page.locator("#factors").inner_text()
    assert _sideways(page) <= 0
    page.goto(f"{page.base}/")
    page.click("a[href='/aging/?study=ST-1']")
    page.wait_for_url("**/aging/?study=ST-1")
    assert "Showing study ST-1 only" in page.locator("#scope").inner_text()
    assert _sideways(page) <= 0
    assert errors == []
