"""docker-compose.yml cannot be run here (no Docker engine); check what can be checked."""

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_defines_the_four_services_from_one_image():
    services = _compose()["services"]
    assert set(services) == {"postgres", "redis", "web", "worker"}
    assert services["web"]["image"] == services["worker"]["image"] == "cqdlab:latest"
    assert services["web"]["build"] == services["worker"]["build"] == "."
    env = services["web"]["environment"]
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379")


def test_the_commands_the_compose_file_runs_exist_in_the_image():
    services = _compose()["services"]
    venv_bin = ROOT / ".venv" / "bin"
    web = services["web"]["command"]
    assert "manage.py migrate" in web and "gunicorn cqdlab.wsgi:application" in web
    worker = shlex.split(services["worker"]["command"])
    assert worker[:3] == ["celery", "-A", "cqdlab"]
    for tool in ("gunicorn", "celery"):
        assert (venv_bin / tool).exists() or shutil.which(tool), tool
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.lock" in dockerfile and "gunicorn" in dockerfile


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 60 + "-not-a-real-key-but-long-enough",
    "ALLOWED_HOSTS": "lab.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}
# Variables the tests set or leave out; inherited values must not decide the outcome.
OWN = (
    *PRODUCTION,
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # the browser tests' flag must not leak into a deploy check
    "TRUSTED_PROXY_COUNT",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
)


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if k not in OWN}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings(**env: str) -> dict:
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
    ]
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = _run(["manage.py", "shell", "-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_production_settings_pass_the_deploy_check():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_real_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    for key in ("", "change-me-in-production", "django-insecure-" + "x" * 50):
        result = _run(["manage.py", "check"], **env, SECRET_KEY=key)
        assert result.returncode != 0, key
        assert "ImproperlyConfigured: SECRET_KEY: set the SECRET_KEY environment" in result.stderr


def test_debug_needs_no_secret_key():
    result = _run(["manage.py", "check"], DEBUG="1", DATABASE_URL="sqlite:///:memory:")
    assert result.returncode == 0, result.stderr
    assert _settings(DEBUG="1")["SESSION_COOKIE_SECURE"] is False


def test_production_defaults_to_secure_cookies_https_and_hsts():
    values = _settings(**PRODUCTION)
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"]
    # No proxy trusted: a client-sent X-Forwarded-Proto is not believed.
    assert values["SECURE_PROXY_SSL_HEADER"] is None


def test_the_https_settings_follow_their_environment_variables():
    values = _settings(
        **PRODUCTION,
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="60",
        SECURE_HSTS_PRELOAD="0",
        TRUSTED_PROXY_COUNT="1",
    )
    assert values["SECURE_SSL_REDIRECT"] is False and values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 60 and values["SECURE_HSTS_PRELOAD"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_compose_refuses_to_start_without_a_secret_key():
    text = (ROOT / "docker-compose.yml").read_text()
    env = _compose()["services"]["web"]["environment"]
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "change-me" not in text


def test_throttle_counters_are_shared_through_redis_when_a_cache_url_is_given():
    code = (
        "from django.core.cache import caches; cache = caches['default']; "
        "cache.set('cqdlab-probe', 7, 5); print(type(cache).__name__, cache.get('cqdlab-probe'))"
    )
    shared = _run(
        ["manage.py", "shell", "-c", code], DEBUG="1", CACHE_URL="redis://127.0.0.1:6379/14"
    )
    if "Connection refused" in shared.stderr or "Error 111" in shared.stderr:
        pytest.skip("no Redis on 127.0.0.1:6379")
    assert shared.returncode == 0, shared.stderr
    assert shared.stdout.strip().splitlines()[-1] == "RedisCache 7"
    local = _run(["manage.py", "shell", "-c", code], DEBUG="1")
    assert local.stdout.strip().splitlines()[-1] == "LocMemCache 7"
