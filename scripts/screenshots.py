"""Screenshots of every page at 1440 px and 390 px into docs/screenshots/ (run against `make run`).

Writes <page>-desktop.png (1440x900) and <page>-phone.png (390x844, a touch phone), the design
system page (design-system.png, whole page) and sections below the fold that the docs show on
their own. A page the server does not have or that fails (status 400 and above) is skipped with a
message.

Usage: .venv/bin/python scripts/screenshots.py [http://127.0.0.1:8000] [page ...]
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
USER, PASSWORD = "demo", "cqdlab-demo"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
# page -> path; batch, device and synthesis are found on the demo's pages (see _discover).
PAGES = {
    "home": "/",
    "batch": None,
    "device": None,
    "synthesis": None,
    "compare": "/compare/",
    "aging": "/aging/",
    "losses": "/losses/",
    "insights": "/insights/",
    "upload": "/upload/",
    "profiles": "/profiles/",
    "teach": "/profiles/teach/",
    "control": "/control/",
    "labels": "/labels/",
    "scan": "/scan/",
    "batch-import": "/batches/sheet/import/",
    "tokens": "/tokens/",
    "search": "/search/?q=B2025",
    "design": "/design/",
    "login": "/accounts/login/",
    "admin": "/admin/",
    "admin-recipes": "/admin/fabrication/ligandexchangerecipe/",
    "admin-recipe": None,
    "api-docs": "/api/docs/",
}
# page -> (CSS selector of a section, file suffix), at desktop width.
SECTIONS = {
    "aging": (("#survival", "survival"),),
    "batch": (("#statistics", "statistics"), ("#tests", "tests"), ("#excluded", "exclusion")),
}


def _login(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _href(page: Page, base: str, path: str, selector: str) -> str | None:
    page.goto(f"{base}{path}")
    link = page.locator(selector).first
    return link.get_attribute("href") if link.count() else None


def _discover(page: Page, base: str) -> dict[str, str | None]:
    """Paths of the demo's first batch, one of its devices, a synthesis, a recipe version."""
    found: dict[str, str | None] = {}
    found["batch"] = _href(page, base, "/", "table.data a[href^='/batches/']")
    found["device"] = (
        _href(page, base, found["batch"], "table.data a[href^='/devices/']")
        if found["batch"]
        else None
    )
    found["synthesis"] = _href(page, base, "/", "a[href^='/syntheses/']")
    found["admin-recipe"] = _href(
        page, base, PAGES["admin-recipes"], "#result_list tbody a[href*='/change/']"
    )
    return found


def _settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    for plot in page.locator("[data-figure]").all():
        plot.locator("xpath=self::*[@data-rendered='true']").wait_for(timeout=30_000)


def _shoot(page: Page, base: str, name: str, path: str, suffix: str) -> bool:
    response = page.goto(f"{base}{path}")
    if response is None or response.status >= 400:
        # A page the server lacks, or one that fails: never an error page in the docs.
        print(f"{name}: {path} answered {response.status if response else 'nothing'}, skipped")
        return False
    _settle(page)
    page.screenshot(path=str(OUT / f"{name}-{suffix}.png"))
    print(f"{name}-{suffix}: {path}")
    return True


def main(base: str, only: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        desktop = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
        phone = browser.new_context(
            viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True
        )
        pages = {"desktop": desktop.new_page(), "phone": phone.new_page()}
        for page in pages.values():
            page.set_default_timeout(30_000)
            _login(page, base)
        paths = {**PAGES, **_discover(pages["desktop"], base)}
        for name, path in paths.items():
            if only and name not in only or not path:
                continue
            if name == "login":
                # Signed out, in contexts of their own.
                for suffix, context_args in (
                    ("desktop", {"viewport": DESKTOP}),
                    ("phone", {"viewport": PHONE, "is_mobile": True, "has_touch": True}),
                ):
                    context = browser.new_context(device_scale_factor=1, **context_args)
                    _shoot(context.new_page(), base, name, path, suffix)
                    context.close()
                continue
            for suffix, page in pages.items():
                if not _shoot(page, base, name, path, suffix):
                    break
                if suffix == "desktop" and name == "design":
                    page.screenshot(path=str(OUT / "design-system.png"), full_page=True)
                    print(f"design-system: {path} (whole page)")
                for section, part in SECTIONS.get(name, ()) if suffix == "desktop" else ():
                    if page.locator(section).count():
                        page.locator(section).screenshot(path=str(OUT / f"{name}-{part}.png"))
                        print(f"{name}-{part}: {path} {section}")
        browser.close()


if __name__ == "__main__":
    args = sys.argv[1:]
    url = args.pop(0) if args and args[0].startswith("http") else "http://127.0.0.1:8000"
    main(url.rstrip("/"), args)
