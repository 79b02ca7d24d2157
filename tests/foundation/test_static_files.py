"""Static files as the site serves them: fingerprinted, gzip and brotli copies, a ten-year
immutable cache, served by whitenoise under gunicorn and `make run` alike; one icon everywhere.

Tests elsewhere link plain names (tests/conftest.py); here collectstatic runs for real, once,
into a temporary STATIC_ROOT, with the project's own storage. It collects the project's files
and plotly.js (not the admin's and the API docs' files, which would only add minutes of brotli).
"""

from __future__ import annotations

import os
import re
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command, get_commands
from django.test import override_settings
from django.test.testcases import LiveServerThread

from analysis.figures import palette
from cqdlab import settings as project_settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_STORAGES = project_settings.STORAGES
OWN_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "cqdlab.staticfiles.PlotlyFinder",
]
TEN_YEARS = "max-age=315360000, public, immutable"


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """STATIC_ROOT after `collectstatic` with the project's storage."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(
        STATIC_ROOT=root, STORAGES=PRODUCTION_STORAGES, STATICFILES_FINDERS=OWN_FINDERS
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production_static(settings, collected):
    """Settings of a deployed site (DEBUG off) over the collected files."""
    settings.STATIC_ROOT = collected
    settings.STORAGES = PRODUCTION_STORAGES
    settings.STATICFILES_FINDERS = OWN_FINDERS
    settings.DEBUG = False
    return collected


@pytest.fixture
def whitenoise_server(production_static):
    """A live server running the site's own middleware chain: no test static handler in front,
    so /static/ is answered by whitenoise exactly as under gunicorn."""
    thread = LiveServerThread("127.0.0.1", lambda app: app)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


def _get(url: str, encoding: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def test_collectstatic_writes_a_fingerprinted_plotly_with_brotli_and_gzip_copies(collected):
    names = {p.name for p in (collected / "plotly").iterdir()}
    hashed = [n for n in names if re.fullmatch(r"plotly\.min\.[0-9a-f]{12}\.js", n)]
    assert len(hashed) == 1, names
    assert {f"{hashed[0]}.br", f"{hashed[0]}.gz"} <= names
    original = (collected / "plotly" / hashed[0]).stat().st_size
    # 4.8 MB of JavaScript travels as about a quarter of that.
    assert (collected / "plotly" / f"{hashed[0]}.br").stat().st_size < original / 3
    # Only plotly.js of the plotly package: no widget bundle, no datasets.
    assert not any(n.startswith(("widgetbundle", "datasets", "templates")) for n in names)
    css = {p.name for p in (collected / "css").iterdir()}
    assert any(re.fullmatch(r"cqdlab\.[0-9a-f]{12}\.css\.br", n) for n in css), css


def test_a_page_links_the_fingerprinted_files(production_static, client, db, django_user_model):
    user = django_user_model.objects.create_user(username="reader", password="reader-pass-123")
    client.force_login(user)
    html = client.get("/design/").content.decode()
    assert re.search(r'src="/static/plotly/plotly\.min\.[0-9a-f]{12}\.js"', html)
    assert re.search(r'href="/static/css/cqdlab\.[0-9a-f]{12}\.css"', html)
    assert re.search(r'href="/static/favicon\.[0-9a-f]{12}\.svg"', html)


@pytest.mark.django_db
def test_the_live_server_sends_plotly_brotli_compressed_with_a_ten_year_cache(whitenoise_server):
    from django.contrib.staticfiles.storage import staticfiles_storage

    url = whitenoise_server + staticfiles_storage.url("plotly/plotly.min.js")
    assert re.search(r"plotly\.min\.[0-9a-f]{12}\.js$", url)
    status, headers, body = _get(url, "gzip, deflate, br")
    assert status == 200
    assert headers["Content-Encoding"] == "br"
    assert headers["Cache-Control"] == TEN_YEARS
    assert "Accept-Encoding" in headers["Vary"]
    assert len(body) < 2_000_000  # the 4.8 MB file, compressed
    status, headers, body = _get(url, "gzip")
    assert headers["Content-Encoding"] == "gzip" and len(body) < 2_000_000
    status, headers, body = _get(url, "identity")
    assert "Content-Encoding" not in headers and len(body) > 4_000_000


@pytest.mark.django_db
def test_a_file_linked_by_its_plain_name_is_not_cached_as_immutable(whitenoise_server, settings):
    status, headers, _ = _get(f"{whitenoise_server}/static/css/cqdlab.css", "br")
    assert status == 200 and headers["Content-Encoding"] == "br"
    assert headers["Cache-Control"] == f"max-age={settings.WHITENOISE_MAX_AGE}, public"


def test_under_make_run_the_debug_server_links_fingerprinted_files_that_are_current(
    settings, tmp_path
):
    """`make run` runs collectstatic, then runserver with DEBUG on: pages still link the
    fingerprinted files; a file edited since is linked by its plain name (served fresh)."""
    from cqdlab.staticfiles import StaticStorage

    source = tmp_path / "src"
    (source / "css").mkdir(parents=True)
    css = source / "css" / "page.css"
    css.write_text("body { color: #1d2433; }\n")
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.STORAGES = PRODUCTION_STORAGES
    call_command("collectstatic", interactive=False, verbosity=0)
    settings.DEBUG = True
    assert re.fullmatch(r"/static/css/page\.[0-9a-f]{12}\.css", StaticStorage().url("css/page.css"))
    later = time.time() + 5
    os.utime(css, (later, later))
    assert StaticStorage().url("css/page.css") == "/static/css/page.css"


def test_runserver_leaves_static_files_to_whitenoise_right_after_the_security_middleware():
    from django.conf import settings

    assert get_commands()["runserver"] == "whitenoise.runserver_nostatic"
    apps = settings.INSTALLED_APPS
    assert apps.index("whitenoise.runserver_nostatic") < apps.index("django.contrib.staticfiles")
    assert settings.MIDDLEWARE[:2] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    assert "collectstatic" in (ROOT / "Makefile").read_text().split("\nrun:")[1].split("\n\n")[0]
    assert "manage.py collectstatic" in (ROOT / "Dockerfile").read_text()


def test_the_icon_exists_and_favicon_ico_leads_to_it(client):
    assert finders.find("favicon.svg") and finders.find("favicon.ico")
    assert (ROOT / "static" / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"
    assert "max-age=86400" in response["Cache-Control"]


def test_the_stylesheet_names_the_figures_group_colours():
    """A swatch in a table is the colour of that group's points (analysis/figures/palette.py)."""
    css = (ROOT / "static" / "css" / "cqdlab.css").read_text()

    def var(name: str) -> str:
        match = re.search(rf"--{name}:\s*(#[0-9A-Fa-f]{{6}})", css)
        assert match, name
        return match.group(1).upper()

    assert var("group-target") == palette.TARGET.upper()
    assert var("group-control") == palette.CONTROL.upper()
    assert [var(f"group-{i}") for i in range(1, len(palette.OTHERS) + 1)] == [
        c.upper() for c in palette.OTHERS
    ]
    assert var("group-excluded") == palette.EXCLUDED.upper()
