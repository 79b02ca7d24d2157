"""The Insights page in chromium, on a demo-like project: figures drawn from static files,
a suggestion round computed from the form and planned as a batch, at desk and phone width."""

from __future__ import annotations

import pytest

from fabrication.models import Batch
from tests.insights.generated import make_project

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def generated(world):
    make_project(world["projects"]["a"], world["users"]["owner"], batches=6, variants=3)
    return world


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _too_wide(page) -> list[str]:
    """Elements sticking out of the window that no scrolling box clips (the culprits)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .filter(e => { for (let p = e.parentElement; p; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== 'visible') return false; } return true; })
        .map(e => e.tagName + '.' + e.className + '#' + e.id)"""
    )


def test_the_insights_page_draws_its_figures_and_plans_a_batch_from_a_suggestion(page, generated):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    login(page, "owner", "owner-pass-123")
    assert page.get_attribute("nav >> text=Insights", "href") == "/insights/"
    # The first visit computes the analyses (seconds on a shared CI machine); later ones are
    # served from the cache.
    page.set_default_timeout(120_000)
    page.goto(f"{page.base}/insights/")
    for name in ("fig-variance", "fig-importance", "fig-partial"):
        page.wait_for_selector(f"#{name}-plot[data-rendered=true]")
    assert "Stands out: absorber_anneal_temperature_c" in page.inner_text("#importance-verdict")
    assert "between substrates of the same batch" in page.inner_text("#variance")
    bars = page.locator("#fig-importance-plot g.trace.bars path")
    assert bars.count() >= 2  # one bar per varying parameter (the anneal, the ink's age)
    assert _no_sideways_scroll(page), _too_wide(page)

    # The parameter that stands out is preselected: ask for three variants.
    mode = page.locator("select[name='mode__absorber_anneal_temperature_c']")
    assert mode.input_value() == "vary"
    page.fill("input[name=n]", "3")
    page.click("#suggest-button")
    page.wait_for_selector("#round-SUG-001")
    assert page.locator("#round-SUG-001 table.proposals tbody tr").count() == 3

    with page.expect_download() as download:
        page.click("#round-SUG-001 >> text=Download batch sheet")
    assert download.value.suggested_filename == "SUG-001-batch.xlsx"

    page.click("#round-SUG-001 >> text=Create planned batch")
    page.wait_for_selector("#planned-notice")
    assert Batch.objects.get(code="SUG-001-batch").state == "planned"
    assert "No planned variant is measured yet" in page.inner_text("#calibration")
    page.wait_for_selector("#fig-planned-plot[data-rendered=true]")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#fig-importance-plot[data-rendered=true]")
    assert _no_sideways_scroll(page), _too_wide(page)
    assert not [p for p in problems if "Content Security Policy" in p or "Error" in p], problems
