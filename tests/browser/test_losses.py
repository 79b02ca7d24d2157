"""The project's loss page in chromium, on a desktop and on a phone: every plot drawn, no
console error, nothing wider than the screen."""

from __future__ import annotations

import pytest

from tests.pages.test_losses_pages import lab  # noqa: F401  (the fixture: results of project A)

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PLOTS = ("fig-deficit", "fig-recipes", "fig-exciton", "fig-overlay", "fig-waterfall-0")


@pytest.mark.parametrize("width", [1440, 390])
def test_the_project_loss_page_draws_every_plot_without_sideways_scroll(page, lab, width):  # noqa: F811
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, "owner", "owner-pass-123")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{page.base}/losses/")
    for plot in PLOTS:
        page.wait_for_selector(f"#{plot}-plot[data-rendered=true]")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow} px wider than the {width} px screen"
    waterfall = page.locator("#fig-waterfall-0-plot g.waterfalllayer")
    assert waterfall.count() == 1
    assert not errors, errors
