"""The agent's TOML configuration and the routing of a file name to a target."""

from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

TARGETS = ("device", "film", "synthesis")
# The contract's default routing: the file name starts with a device code written with "_" for "/"
# (B2025-06-16_S1_P4.reverse.jv.txt -> B2025-06-16/S1/P4); the code ends at the first dot.
DEFAULT_CODE_REGEX = r"^(?P<code>[^.]+)"


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or names something invalid."""


@dataclass(frozen=True)
class Rule:
    pattern: str = "*"
    target: str = "device"
    code_regex: str = DEFAULT_CODE_REGEX
    underscore_is_slash: bool = True
    kind: str | None = None
    format: str | None = None  # a built-in reader by name (skips the project's profiles)
    profile: str | None = None  # an instrument profile of the project, by name

    def route(self, name: str) -> tuple[str, str] | None:
        """(target, code) for a file name this rule takes, else None."""
        if not fnmatch.fnmatch(name.lower(), self.pattern.lower()):
            return None
        match = re.search(self.code_regex, name)
        if not match or not match.group("code"):
            return None
        code = match.group("code")
        if self.underscore_is_slash:
            code = code.replace("_", "/")
        return self.target, code


@dataclass(frozen=True)
class Config:
    server: str
    token: str
    folders: tuple[Path, ...]
    state_dir: Path
    rules: tuple[Rule, ...] = field(default_factory=lambda: (Rule(),))
    recursive: bool = True
    stable_seconds: float = 5.0
    rescan_seconds: float = 30.0
    retry_base_seconds: float = 10.0
    retry_max_seconds: float = 900.0
    timeout_seconds: float = 60.0

    @property
    def api(self) -> str:
        return self.server.rstrip("/") + "/api/v1"

    def route(self, name: str) -> tuple[Rule, str, str] | None:
        """The first rule that takes this file name, with its target type and code."""
        for rule in self.rules:
            routed = rule.route(name)
            if routed:
                return rule, routed[0], routed[1]
        return None


def _rule(raw: dict, index: int) -> Rule:
    where = f"rules[{index}]"
    unknown = set(raw) - {
        "pattern",
        "target",
        "code_regex",
        "underscore_is_slash",
        "kind",
        "format",
        "profile",
    }
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    target = raw.get("target", "device")
    if raw.get("format") and raw.get("profile"):
        raise ConfigError(f"{where}: give format (a built-in reader) or profile, not both")
    if target not in TARGETS:
        raise ConfigError(f"{where}.target: {target!r} is not one of {', '.join(TARGETS)}")
    code_regex = raw.get("code_regex", DEFAULT_CODE_REGEX)
    try:
        compiled = re.compile(code_regex)
    except re.error as exc:
        raise ConfigError(f"{where}.code_regex: {exc}") from exc
    if "code" not in compiled.groupindex:
        raise ConfigError(f"{where}.code_regex: needs a named group (?P<code>...)")
    return Rule(
        pattern=str(raw.get("pattern", "*")),
        target=target,
        code_regex=code_regex,
        underscore_is_slash=bool(raw.get("underscore_is_slash", True)),
        kind=raw.get("kind"),
        format=raw.get("format"),
        profile=raw.get("profile"),
    )


def config_from_dict(raw: dict, base: Path | None = None, need_token: bool = True) -> Config:
    """Build a Config from parsed TOML; relative paths count from the config file's folder.

    `status` reads only the state folder, so it passes need_token=False and works without it."""
    base = base or Path.cwd()

    def path(value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else base / p

    if not raw.get("server"):
        raise ConfigError("server: the cqdlab address is required (e.g. https://cqdlab.lab.org)")
    token = raw.get("token")
    if not token and raw.get("token_env"):
        token = os.environ.get(raw["token_env"])
        if not token and need_token:
            raise ConfigError(f"token_env: the environment variable {raw['token_env']} is not set")
    if not token and need_token:
        raise ConfigError("token: give the API token, or token_env naming a variable holding it")
    folders = raw.get("folders") or []
    if not folders:
        raise ConfigError("folders: list at least one folder to watch")
    rules = tuple(_rule(r, i) for i, r in enumerate(raw.get("rules") or [])) or (Rule(),)
    numbers = {}
    for key in (
        "stable_seconds",
        "rescan_seconds",
        "retry_base_seconds",
        "retry_max_seconds",
        "timeout_seconds",
    ):
        if key in raw:
            value = raw[key]
            if not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"{key}: must be a number of seconds >= 0, got {value!r}")
            numbers[key] = float(value)
    return Config(
        server=str(raw["server"]),
        token=str(token or ""),
        folders=tuple(path(f) for f in folders),
        state_dir=path(raw.get("state_dir", "cqdlab-agent-state")),
        rules=rules,
        recursive=bool(raw.get("recursive", True)),
        **numbers,
    )


def load_config(path: str | Path, need_token: bool = True) -> Config:
    """Read a TOML configuration file; a clear ConfigError names what is wrong."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such configuration file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return config_from_dict(raw, base=path.resolve().parent, need_token=need_token)
