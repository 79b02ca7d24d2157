"""A Content-Security-Policy on every page, and pages (the API docs included) that live under it:
no inline script, no inline event handler; data for scripts travels in json_script blocks."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from measurements import services

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
DATA_TYPES = {"application/json", "application/ld+json"}


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


class _Scripts(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' for scripts would block."""

    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.inline: list[str] = []
        self.handlers: list[str] = []
        self._in_inline = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [f"<{tag} {name}>" for name, _ in attrs if name.startswith("on")]
        self.handlers += [
            f"<{tag} {name}>"
            for name, value in attrs
            if name in {"href", "src", "action"} and (value or "").startswith("javascript:")
        ]
        if tag == "script":
            if attributes.get("src"):
                self.external.append(attributes["src"])
            elif (attributes.get("type") or "").lower() not in DATA_TYPES:
                self._in_inline = True
                self.inline.append("")

    def handle_data(self, data):
        if self._in_inline:
            self.inline[-1] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline = False


def _scripts(body: str) -> _Scripts:
    parser = _Scripts()
    parser.feed(body)
    return parser


@pytest.fixture
def pages(world, client):
    a = world["a"]
    client.force_login(world["users"]["owner"])
    world["users"]["owner"].is_superuser = True
    world["users"]["owner"].save()
    return client, [
        "/",
        f"/batches/{a.batch.id}/",
        f"/devices/{a.devices[0].id}/",
        f"/syntheses/{a.synthesis.id}/",
        "/compare/?by=variant",
        "/aging/",
        "/search/?q=A",
        "/upload/",
        "/tokens/",
        "/batches/sheet/import/",
        "/admin/",
        "/admin/fabrication/batch/",
        f"/admin/fabrication/batch/{a.batch.id}/change/",
        f"/admin/fabrication/ligandexchangerecipe/{a.recipe.id}/change/",
        "/api/docs/",
    ]


def test_every_page_carries_the_policy(pages):
    client, urls = pages
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = _policy(response)
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"], url
        assert policy["img-src"] == ["'self'", "data:", "blob:"], url
        assert policy["connect-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"], url
        assert policy["frame-ancestors"] == ["'none'"], url
        assert policy["default-src"] == ["'self'"], url


def test_the_login_page_and_the_api_carry_the_policy_too(client, world):
    assert _policy(client.get("/accounts/login/"))["script-src"] == ["'self'"]
    assert _policy(client.get("/api/v1/"))["frame-ancestors"] == ["'none'"]


def test_no_rendered_page_runs_an_inline_script_or_handler(pages):
    client, urls = pages
    for url in urls:
        found = _scripts(client.get(url).content.decode())
        assert found.inline == [], url
        assert found.handlers == [], url


def test_the_figures_travel_as_json_data_not_as_script(
    pages, world, django_capture_on_commit_callbacks
):
    client, _ = pages
    # A measured batch: an empty one shows an empty state and draws no figure at all.
    text = (DATA / "synthetic" / "jv_example_a.txt").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        services.measurement_create(
            user=world["users"]["owner"], target=world["a"].devices[0], data=text, filename="a.txt"
        )
    body = client.get(f"/batches/{world['a'].batch.id}/").content.decode()
    assert 'type="application/json"' in body
    assert _scripts(body).inline == []


def test_the_api_docs_load_swagger_ui_and_its_start_up_script_from_files(pages):
    client, _ = pages
    page = client.get("/api/docs/")
    scripts = _scripts(page.content.decode()).external
    start_up = [src for src in scripts if "script=" in src]
    assert len(start_up) == 1
    script = client.get(start_up[0])
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    body = script.content.decode()
    assert "SwaggerUIBundle" in body and "/api/schema/" in body
    for src in scripts:
        if src.startswith("/static/"):
            assert finders.find(src.removeprefix("/static/")), src


def test_no_template_holds_an_inline_script_or_handler():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script\b([^>]*)>", text):
            attributes = match.group(1)
            if "src=" not in attributes and "application/json" not in attributes:
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        offenders += [
            f"{path.relative_to(ROOT)}: {m.group(0)}"
            for m in re.finditer(r"\son[a-z]+\s*=|javascript:", text)
        ]
    assert offenders == []
