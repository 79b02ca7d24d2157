"""cqdlab-agent end to end against a live server: watch, queue on disk, upload each content once."""

from __future__ import annotations

import logging
import shutil
import socket
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "clients" / "cqdlab-agent" / "src"))

from cqdlab_agent import Agent, ConfigError, Rule  # noqa: E402
from cqdlab_agent.cli import main, status_text  # noqa: E402
from cqdlab_agent.config import config_from_dict, load_config  # noqa: E402

from analysis.models import JVResult  # noqa: E402
from measurements.models import Measurement  # noqa: E402

JV_A = ROOT / "tests" / "data" / "synthetic" / "jv_example_a.txt"
JV_B = ROOT / "tests" / "data" / "synthetic" / "jv_example_b.csv"
live = pytest.mark.django_db(transaction=True)


def _token(server: str, name: str = "owner") -> str:
    answer = requests.post(
        f"{server}/api/v1/auth/token/",
        data={"username": name, "password": f"{name}-pass-123"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def _config(tmp_path: Path, server: str, token: str, **extra):
    raw = {
        "server": server,
        "token": token,
        "folders": [str(tmp_path / "inbox")],
        "state_dir": str(tmp_path / "state"),
        "stable_seconds": 0.2,
        "rescan_seconds": 0.5,
        "retry_base_seconds": 0.1,
        "retry_max_seconds": 0.4,
        "timeout_seconds": 10,
        **extra,
    }
    (tmp_path / "inbox").mkdir(exist_ok=True)
    return config_from_dict(raw)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _until(check, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def _settle(agent: Agent, seconds: float = 1.0) -> None:
    """Drive the agent's loop by hand: scan, let sizes hold still, send what is due."""
    # A virtual clock that only moves forward, so repeated calls never step back in time.
    start = max(time.time(), getattr(agent, "test_clock", 0.0))
    for step in range(8):
        agent.run_once(now=start + step * seconds)
    agent.test_clock = start + 8 * seconds


def _code(device) -> str:
    return device.code.replace("/", "_")


@live
def test_files_dropped_into_a_watched_folder_arrive_and_are_analysed(world, live_server, tmp_path):
    config = _config(tmp_path, live_server.url, _token(live_server.url))
    agent, stop = Agent(config), threading.Event()
    thread = threading.Thread(target=agent.watch, args=(stop,), daemon=True)
    thread.start()
    try:
        devices = world["a"].devices[:2]
        shutil.copy(JV_A, tmp_path / "inbox" / f"{_code(devices[0])}.reverse.jv.txt")
        (tmp_path / "inbox" / "run2").mkdir()
        shutil.copy(JV_B, tmp_path / "inbox" / "run2" / f"{_code(devices[1])}.jv.csv")
        _until(lambda: agent.queue.counts()["sent"] == 2)
    finally:
        stop.set()
        thread.join(timeout=10)
        agent.close()
    for device in devices:
        measurement = _until(
            lambda d=device: Measurement.objects.filter(device=d, status="succeeded").first()
        )
        assert measurement.kind == "jv"
        assert JVResult.objects.filter(device=device).exists()
    assert Measurement.objects.count() == 2


@live
def test_a_server_outage_loses_nothing_and_each_file_is_uploaded_exactly_once(
    world, live_server, tmp_path, caplog
):
    token = _token(live_server.url)
    devices = world["a"].devices[:2]
    offline = _config(tmp_path, f"http://127.0.0.1:{_closed_port()}", token)
    shutil.copy(JV_A, tmp_path / "inbox" / f"{_code(devices[0])}.reverse.jv.txt")
    shutil.copy(JV_B, tmp_path / "inbox" / f"{_code(devices[1])}.jv.csv")
    agent = Agent(offline)
    with caplog.at_level(logging.WARNING, logger="cqdlab_agent"):
        _settle(agent)
    entries = agent.queue.entries()
    agent.close()
    assert len(entries) == 2
    assert all(e.state == "queued" and e.attempts >= 1 and e.posts == 0 for e in entries)
    assert all(e.last_outcome.startswith("network:") for e in entries)
    assert "will retry" in caplog.text
    assert Measurement.objects.count() == 0

    # The agent restarts pointing at the live server, with the same state folder.
    online = Agent(_config(tmp_path, live_server.url, token))
    _settle(online)
    _settle(online)
    entries = online.queue.entries()
    online.close()
    assert [e.state for e in entries] == ["sent", "sent"]
    # One POST each, and the server created each (201): nothing was sent twice.
    assert all(e.posts == 1 and e.http_status == 201 for e in entries)
    assert Measurement.objects.count() == 2
    assert {m.device_id for m in Measurement.objects.all()} == {d.id for d in devices}


@live
def test_a_refused_file_is_logged_with_the_servers_error_and_not_retried(
    world, live_server, tmp_path, caplog
):
    config = _config(tmp_path, live_server.url, _token(live_server.url))
    device = world["a"].devices[2]
    bad = tmp_path / "inbox" / f"{_code(device)}.jv.txt"
    bad.write_text("Voltage (V)\tCurrent (A)\n0.1\tbanana\n")
    (tmp_path / "inbox" / "NO-SUCH-DEVICE_P9.jv.txt").write_bytes(JV_A.read_bytes() + b"\n")
    agent = Agent(config)
    with caplog.at_level(logging.INFO, logger="cqdlab_agent"):
        _settle(agent)
        _settle(agent)
    entries = {Path(e.path).name: e for e in agent.queue.entries()}
    report = status_text(agent.queue)
    agent.close()
    refused = entries[bad.name]
    assert refused.state == "failed" and refused.http_status == 400
    assert refused.posts == 1 and refused.attempts == 1  # not retried
    assert refused.last_outcome.startswith("refused, HTTP 400:")
    server_said = refused.last_outcome.removeprefix("refused, HTTP 400: ")
    assert server_said and server_said in caplog.text and "not retried" in caplog.text
    unknown = entries["NO-SUCH-DEVICE_P9.jv.txt"]
    assert unknown.state == "failed" and unknown.posts == 1
    assert "NO-SUCH-DEVICE/P9" in unknown.last_outcome
    assert "failed: 2" in report and server_said[:40] in report
    assert server_said in (tmp_path / "state" / "agent.log").read_text()
    assert Measurement.objects.count() == 0


@live
def test_the_same_content_dropped_twice_is_uploaded_once(world, live_server, tmp_path):
    config = _config(tmp_path, live_server.url, _token(live_server.url))
    device = world["a"].devices[0]
    shutil.copy(JV_A, tmp_path / "inbox" / f"{_code(device)}.reverse.jv.txt")
    agent = Agent(config)
    _settle(agent)
    (tmp_path / "inbox" / "again").mkdir()
    shutil.copy(JV_A, tmp_path / "inbox" / "again" / f"{_code(device)}.copy.jv.txt")
    _settle(agent)
    entries = {Path(e.path).name: e for e in agent.queue.entries()}
    agent.close()
    first = entries[f"{_code(device)}.reverse.jv.txt"]
    second = entries[f"{_code(device)}.copy.jv.txt"]
    assert first.state == "sent" and first.posts == 1
    assert second.state == "duplicate" and second.posts == 0
    assert first.measurement in second.last_outcome
    assert Measurement.objects.count() == 1


def test_the_default_rule_reads_a_device_code_written_with_underscores():
    assert Rule().route("B2025-06-16_S1_P4.reverse.jv.txt") == ("device", "B2025-06-16/S1/P4")


def test_a_rule_routes_by_pattern_to_the_code_its_regex_names(tmp_path):
    config = config_from_dict(
        {
            "server": "http://x",
            "token": "t",
            "folders": ["in"],
            "rules": [
                {
                    "pattern": "*.abs.csv",
                    "target": "film",
                    "code_regex": r"film-(?P<code>[A-Z0-9-]+)\.",
                    "kind": "absorbance",
                    "format": "cary-5000",
                },
                {"pattern": "*.jv.txt"},
            ],
        },
        base=tmp_path,
    )
    rule, target, code = config.route("2025-06-01 film-A-F1.abs.csv")
    assert (target, code, rule.kind, rule.format) == ("film", "A-F1", "absorbance", "cary-5000")
    assert config.route("A-B1_TS1_P1.jv.txt")[1:] == ("device", "A-B1/TS1/P1")
    assert config.route("notes.docx") is None


@live
def test_a_rule_naming_an_instrument_profile_has_the_server_read_the_file_with_it(
    world, live_server, tmp_path
):
    token = _token(live_server.url)
    headers = {"Authorization": f"Token {token}"}
    profile = {
        "kind": "jv",
        "delimiter": "tab",
        "columns": [
            {"column": 1, "quantity": "voltage", "unit": "mV"},
            {"column": 2, "quantity": "current", "unit": "mA"},
        ],
    }
    created = requests.post(
        f"{live_server.url}/api/v1/instrument-profiles/",
        json={"project": world["projects"]["a"].code, "code": "bare-iv", "definition": profile},
        headers=headers,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    # A headerless export no built-in reader places: only the named profile can read it.
    rules = [{"pattern": "*.ivx", "kind": "jv", "profile": "bare-iv"}]
    agent = Agent(_config(tmp_path, live_server.url, token, rules=rules))
    device = world["a"].devices[0]
    shutil.copy(
        ROOT / "tests" / "data" / "profiles" / "station7_run1.ivx",
        tmp_path / "inbox" / f"{_code(device)}.ivx",
    )
    try:
        _settle(agent)
    finally:
        agent.close()
    measurement = _until(lambda: Measurement.objects.filter(device=device).first())
    assert measurement.profile_version.profile.code == "bare-iv"
    assert measurement.profile_version.version == 1


def test_a_rule_may_name_a_built_in_reader_or_a_profile_but_not_both(tmp_path):
    raw = {"server": "http://x", "token": "t", "folders": ["in"]}
    rule = {"pattern": "*.ivx", "format": "hzb-keithley", "profile": "bare-iv"}
    with pytest.raises(ConfigError, match="not both"):
        config_from_dict({**raw, "rules": [rule]}, base=tmp_path)
    named = config_from_dict({**raw, "rules": [{"profile": "bare-iv"}]}, base=tmp_path)
    assert named.rules[0].profile == "bare-iv"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"token": "t", "folders": ["x"]}, "server"),
        ({"server": "http://x", "folders": ["x"]}, "token"),
        (
            {"server": "http://x", "token_env": "CQDLAB_AGENT_UNSET_VAR", "folders": ["x"]},
            "token_env",
        ),
        ({"server": "http://x", "token": "t"}, "folders"),
        (
            {"server": "http://x", "token": "t", "folders": ["x"], "rules": [{"target": "cat"}]},
            "rules[0].target",
        ),
        (
            {
                "server": "http://x",
                "token": "t",
                "folders": ["x"],
                "rules": [{"code_regex": "(x)"}],
            },
            "(?P<code>",
        ),
        (
            {"server": "http://x", "token": "t", "folders": ["x"], "stable_seconds": -1},
            "stable_seconds",
        ),
    ],
)
def test_it_refuses_a_configuration_naming_what_is_wrong(raw, message, tmp_path):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        config_from_dict(raw, base=tmp_path)


def test_status_prints_counts_without_the_token_and_a_bad_config_exits_2(tmp_path, capsys):
    config = tmp_path / "agent.toml"
    config.write_text(
        f'server = "http://127.0.0.1:{_closed_port()}"\ntoken_env = "CQDLAB_AGENT_UNSET_VAR"\n'
        'folders = ["inbox"]\nstate_dir = "state"\nstable_seconds = 0\n'
        "retry_base_seconds = 60\n"
    )
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "A-B1_TS1_P1.jv.txt").write_text("x")
    agent = Agent(replace(load_config(config, need_token=False), token="t"))
    _settle(agent, seconds=0.0)
    agent.close()
    assert main(["status", str(config)]) == 0
    out = capsys.readouterr().out
    assert "queued: 1" in out and "sent: 0" in out and "attempt 1" in out
    assert main(["status", str(tmp_path / "missing.toml")]) == 2
    assert "no such configuration file" in capsys.readouterr().err
    assert main(["watch", str(config)]) == 2  # watching needs the token
    assert "CQDLAB_AGENT_UNSET_VAR is not set" in capsys.readouterr().err
