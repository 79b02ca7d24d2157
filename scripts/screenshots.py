"""Screenshots of every page at 1440x900 into docs/screenshots/ (run against `make run`).

Usage: .venv/bin/python scripts/screenshots.py [http://127.0.0.1:8000]
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
# page -> (CSS selector of a section, file suffix): survival curves, the two statistics.
SECTIONS = {
    "aging": (("#survival", "survival"),),
    "batch": (("#statistics", "statistics"), ("#tests", "tests"), ("#excluded", "exclusion")),
}


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", "demo")
        page.fill("input[name=password]", "cqdlab-demo")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        shots = {
            "home": "/",
            "compare": "/compare/?by=ligand_family",
            "aging": "/aging/",
            "upload": "/upload/",
            "batch-import": "/batches/sheet/import/",
            "api-docs": "/api/docs/",
            "admin-recipes": "/admin/fabrication/ligandexchangerecipe/",
        }
        page.goto(f"{base}/")
        shots["batch"] = (
            page.locator("#queue, table.data a[href^='/batches/']").first.get_attribute("href")
            or "/"
        )
        page.goto(f"{base}{shots['batch']}")
        shots["device"] = page.locator("table.data a[href^='/devices/']").first.get_attribute(
            "href"
        )
        page.goto(f"{base}/")
        shots["synthesis"] = page.locator("a[href^='/syntheses/']").first.get_attribute("href")
        for name, path in shots.items():
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            for plot in page.locator("[data-figure]").all():
                plot.locator("xpath=self::*[@data-rendered='true']").wait_for(timeout=20_000)
            page.screenshot(path=str(OUT / f"{name}.png"))
            print(f"{name}: {path}")
            # Sections below the fold that the docs show on their own.
            for section, suffix in SECTIONS.get(name, ()):
                page.locator(section).screenshot(path=str(OUT / f"{name}-{suffix}.png"))
                print(f"{name}-{suffix}: {path} {section}")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
