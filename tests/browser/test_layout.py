"""Every page at a desktop's 1440 px and a phone's 390 px, in chromium: nothing scrolls the page
sideways, every button, input and menu link is a 40 px tap target (a checkbox through its label),
no script error, no missing file (the favicon included); plots follow their container's width,
keep their height and let a swipe scroll the page on a touch screen.

PAGES is the one list of pages: a new page is one line there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse

from measurements import services

from .conftest import login

DATA = Path(__file__).resolve().parents[1] / "data"
SYNTHETIC = DATA / "synthetic"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
TAP = 40  # px

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[SimpleNamespace], str]  # the lab world -> the page's path
    user: str | None = "owner"  # None: not signed in
    # Third-party pages (the API docs' Swagger UI) style their own controls: sizes not checked.
    check_taps: bool = True


PAGES = [
    Page("home", lambda w: reverse("home")),
    Page("batch", lambda w: reverse("batch", args=[w.a.batch.id])),
    Page("device", lambda w: reverse("device", args=[w.a.devices[0].id])),
    Page("synthesis", lambda w: reverse("synthesis", args=[w.a.synthesis.id])),
    Page("compare", lambda w: reverse("compare") + "?by=variant"),
    Page("aging", lambda w: reverse("aging")),
    Page("upload", lambda w: reverse("upload")),
    Page("import-batch", lambda w: reverse("batch-sheet-import")),
    Page("tokens", lambda w: reverse("tokens")),
    Page("search", lambda w: reverse("search") + "?q=A-B1"),
    Page("design", lambda w: reverse("design")),
    Page("login", lambda w: reverse("login"), user=None),
    Page("admin-index", lambda w: reverse("admin:index")),
    Page(
        "admin-recipe",
        lambda w: reverse("admin:fabrication_ligandexchangerecipe_change", args=[w.a.recipe.id]),
    ),
    Page("api-docs", lambda w: reverse("api-docs"), check_taps=False),
    Page("losses", lambda w: reverse("losses")),
    Page("device-losses", lambda w: reverse("device-losses", args=[w.a.devices[0].id])),
    Page("variant-losses", lambda w: reverse("variant-losses", args=[w.a.variants[0].id])),
    Page("insights", lambda w: reverse("insights")),
    Page("control", lambda w: reverse("control")),
    Page("profiles", lambda w: reverse("profiles")),
    Page("teach", lambda w: reverse("profile-teach")),
    Page("labels", lambda w: reverse("labels")),
    Page("scan", lambda w: reverse("scan")),
]

# What must be a 40 px target, and what may stand in for it (its label).
_TAPS_JS = """
() => {
  const selector = "button, input:not([type=hidden]), select, textarea, header a, nav a, summary, "
    + ".toolbar a";
  const small = [];
  const visible = (el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })
    && el.getBoundingClientRect().height > 0;
  for (const el of document.querySelectorAll(selector)) {
    if (!visible(el) || el.closest(".modebar, .js-plotly-plot .legend, .swagger-ui")) continue;
    let height = el.getBoundingClientRect().height;
    const label = el.closest("label") || (el.id && document.querySelector(`label[for="${el.id}"]`));
    if (label && visible(label)) height = Math.max(height, label.getBoundingClientRect().height);
    if (height < 40) small.push(`${el.outerHTML.slice(0, 90)} (${Math.round(height)} px)`);
  }
  return small;
}
"""
_OVERFLOW_JS = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def lab(world):
    """Project A measured: a J-V scan per device (each its own area, so its own PCE), an EQE
    spectrum, an absorbance spectrum of the synthesis, a stability study with two scans each."""
    from django.contrib.auth.models import Permission

    a = world["a"]
    owner = world["users"]["owner"]
    # The admin pages: the owner's role decides, given the lab apps' model permissions.
    owner.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["core", "fabrication", "measurements", "analysis"]
        )
    )
    text = (SYNTHETIC / "jv_example_a.txt").read_text()
    for i, device in enumerate(a.devices):
        data = text.replace("Area (cm2): 0.05", f"Area (cm2): {0.05 + 0.001 * i:.3f}")
        services.measurement_create(
            user=owner, target=device, data=data.encode(), filename="jv_example_a.txt"
        )
        # Aging: the same cell 100 h and 300 h later, its current fading.
        for hours, factor in ((100, 0.9 - 0.01 * i), (300, 0.72 - 0.01 * i)):
            services.measurement_create(
                user=owner,
                target=device,
                data=_aged(data, hours, factor).encode(),
                filename=f"jv_{hours}h.txt",
            )
    services.measurement_create(
        user=owner,
        target=a.devices[0],
        data=(SYNTHETIC / "eqe_example.txt").read_bytes(),
        filename="eqe_example.txt",
    )
    services.measurement_create(
        user=owner,
        target=a.synthesis,
        data=(SYNTHETIC / "abs_example.csv").read_bytes(),
        filename="abs_example.csv",
    )
    from analysis.models import JVResult, StabilityStudy

    first = JVResult.objects.filter(device=a.devices[0]).order_by("measured_at").first()
    study = StabilityStudy.objects.create(
        project=a.batch.project,
        code="ST-1",
        name="argon",
        atmosphere="argon",
        started_at=first.measured_at - timedelta(hours=1),
    )
    study.devices.add(*a.devices)
    return SimpleNamespace(a=a, users=world["users"])


def _aged(text: str, hours: int, factor: float) -> str:
    """A J-V file measured `hours` after the original, its current scaled by `factor`."""
    lines = []
    for line in text.splitlines():
        if line.startswith("Date: "):
            then = datetime.fromisoformat(line.removeprefix("Date: "))
            line = f"Date: {then + timedelta(hours=hours):%Y-%m-%d %H:%M:%S}"
        else:
            parts = line.split("\t")
            if len(parts) == 2 and parts[0].replace(".", "", 1).lstrip("-").isdigit():
                line = f"{parts[0]}\t{float(parts[1]) * factor:.8f}"
        lines.append(line)
    return "\n".join(lines) + "\n"


class Watch:
    """Console errors, uncaught exceptions and failed requests of one page."""

    def __init__(self, page) -> None:
        self.problems: list[str] = []
        page.on(
            "console",
            lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"),
        )
        page.on("pageerror", lambda e: self.problems.append(f"exception: {e}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"{r.status} {r.url}"),
        )
        # A navigation aborts what the page before it was still loading: not a fault.
        page.on(
            "requestfailed",
            lambda r: (
                "ERR_ABORTED" not in (r.failure or "")
                and self.problems.append(f"failed {r.url}: {r.failure}")
            ),
        )


def _open(browser, base: str, viewport: dict, user: str | None, *, phone: bool):
    context = browser.new_context(
        viewport=viewport, is_mobile=phone, has_touch=phone, device_scale_factor=1
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.base = base
    watch = Watch(page)
    if user:
        login(page, user, f"{user}-pass-123")
        watch.problems.clear()  # the login page is a page of its own in PAGES
    return context, page, watch


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    for plot in page.locator("[data-figure]").all():
        plot.locator("xpath=self::*[@data-rendered='true']").wait_for()


def _check(page, watch: Watch, where: str, check_taps: bool) -> None:
    overflow = page.evaluate(_OVERFLOW_JS)
    assert overflow <= 0, f"{where}: the page scrolls {overflow} px sideways"
    if check_taps:
        small = page.evaluate(_TAPS_JS)
        assert not small, f"{where}: tap targets under {TAP} px: {small}"
    assert not watch.problems, f"{where}: {watch.problems}"


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_the_page_fits_a_desktop_and_a_phone_with_tap_sized_controls_and_no_errors(
    browser, live_server, lab, spec
):
    path = spec.url(lab)
    for label, viewport, phone in (("1440 px", DESKTOP, False), ("390 px", PHONE, True)):
        context, page, watch = _open(browser, live_server.url, viewport, spec.user, phone=phone)
        try:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, f"{spec.name} {label}: {response.status}"
            _settle(page)
            _check(page, watch, f"{spec.name} at {label}", spec.check_taps)
            menu = page.locator("#menu > summary")
            if phone and menu.count():
                # The page menu opens over the page: its links are tap-sized, nothing overflows.
                menu.click()
                page.locator("#menu nav a").first.wait_for(state="visible")
                _check(page, watch, f"{spec.name} at {label}, menu open", spec.check_taps)
        finally:
            context.close()


def test_on_a_phone_the_header_keeps_search_and_log_out_on_one_row_and_hides_the_menu(
    browser, live_server, lab
):
    context, page, _ = _open(browser, live_server.url, PHONE, "owner", phone=True)
    try:
        page.goto(f"{live_server.url}/")
        header = page.locator("header.top").bounding_box()
        assert header["height"] <= 60
        for selector in ("form.search input", "form.logout button", "#menu > summary"):
            box = page.locator(selector).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], selector
        assert not page.locator("#menu nav a").first.is_visible()
        page.click("#menu > summary")
        assert page.locator("#menu nav a[href='/compare/']").is_visible()
        page.touchscreen.tap(PHONE["width"] // 2, PHONE["height"] - 20)  # a tap elsewhere
        assert not page.locator("#menu nav a").first.is_visible()
    finally:
        context.close()


def test_on_a_desktop_every_page_link_shows_and_the_current_one_is_marked(
    browser, live_server, lab
):
    context, page, _ = _open(browser, live_server.url, DESKTOP, "owner", phone=False)
    try:
        page.goto(f"{live_server.url}/aging/")
        assert not page.locator("#menu > summary").is_visible()
        links = page.locator("#menu nav a")
        assert all(links.nth(i).is_visible() for i in range(links.count()))
        assert page.locator("#menu nav a[aria-current=page]").inner_text() == "Aging"
    finally:
        context.close()


def test_plots_take_the_phone_width_and_a_swipe_on_them_scrolls_the_page(browser, live_server, lab):
    context, page, _ = _open(browser, live_server.url, PHONE, "owner", phone=True)
    try:
        page.goto(f"{live_server.url}/batches/{lab.a.batch.id}/")
        _settle(page)
        main = page.locator("main").bounding_box()
        plot = page.locator("[data-figure]").first
        box = plot.bounding_box()
        assert box["width"] >= 0.9 * (main["width"] - 24) and box["width"] <= PHONE["width"]
        # No drag-to-zoom under a finger: plotly then leaves the swipe to the browser.
        assert plot.evaluate("el => el._fullLayout.dragmode") is False
        assert plot.evaluate("el => el._context.scrollZoom") is False
    finally:
        context.close()


def test_a_resize_keeps_each_figure_its_height_and_above_what_follows_it(browser, live_server, lab):
    context, page, _ = _open(browser, live_server.url, DESKTOP, "owner", phone=False)
    try:
        page.goto(f"{live_server.url}/aging/")
        _settle(page)
        plot = page.locator("#fig-aging-plot")
        height = plot.evaluate("el => el._fullLayout.height")
        for viewport in (PHONE, {"width": 844, "height": 390}, DESKTOP):  # rotate, back
            page.set_viewport_size(viewport)
            page.wait_for_timeout(400)  # the debounced re-layout
            box = plot.bounding_box()
            below = page.locator("#survival").bounding_box()
            assert box["height"] >= height - 1, viewport
            assert box["y"] + box["height"] <= below["y"], viewport
            assert box["width"] <= viewport["width"]
            assert page.evaluate(_OVERFLOW_JS) <= 0, viewport
    finally:
        context.close()


def test_numbers_in_tables_are_right_aligned_and_wide_tables_scroll_in_their_own_box(
    browser, live_server, lab
):
    context, page, _ = _open(browser, live_server.url, PHONE, "owner", phone=True)
    try:
        page.goto(f"{live_server.url}/design/")
        table = page.locator("#tables table.data")
        assert table.evaluate("t => t.parentElement.classList.contains('table-scroll')")
        cell = table.locator("tbody tr").first.locator("td").nth(2)  # Voc (V)
        assert cell.evaluate("td => getComputedStyle(td).textAlign") == "right"
        head = table.locator("thead th").nth(2)
        assert head.evaluate("th => getComputedStyle(th).textAlign") == "right"
        assert table.locator("tbody td").first.evaluate("td => getComputedStyle(td).textAlign") in (
            "left",
            "start",
        )
        box = table.evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
        assert box[0] > box[1]  # the table is wider than the phone: its box scrolls, not the page
        assert page.evaluate(_OVERFLOW_JS) <= 0
    finally:
        context.close()
