"""docker-compose.yml cannot be run here (no Docker engine); check what can be checked."""

import shlex
import shutil
from pathlib import Path

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


def test_the_production_settings_pass_the_deploy_check():
    import os
    import subprocess
    import sys

    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE must not leak into a deployment check.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 60 + "-not-a-real-key-but-long-enough",
        "ALLOWED_HOSTS": "lab.example.org",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
