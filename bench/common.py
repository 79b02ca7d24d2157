"""Shared helpers: percentiles, the machine, text tables, targets."""

from __future__ import annotations

import cProfile
import os
import platform
import pstats
import subprocess
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"


def ms(values_ns: Sequence[int], q: float) -> float | None:
    """Percentile ``q`` (0-100) of nanosecond timings, in milliseconds."""
    if not len(values_ns):
        return None
    return float(np.percentile(np.asarray(values_ns, dtype=float), q)) / 1e6


def median(values: Sequence[float]) -> float | None:
    return float(np.median(values)) if len(values) else None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def _postgres_version() -> str | None:
    try:
        out = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def machine() -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "scipy": _version("scipy"),
        "pandas": _version("pandas"),
        "django": _version("django"),
        "psql": _postgres_version(),
    }


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != 0 and abs(value) < 10 ** (-digits):
            return f"{value:.{digits}g}"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table, numbers right-aligned."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    numeric = [
        all(isinstance(row[i], (int, float)) or row[i] is None for row in rows)
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [title, line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def _own_code(filename: str) -> bool:
    return (
        filename.startswith(str(ROOT)) and "/.venv/" not in filename and "/bench/" not in filename
    )


def _label(key: tuple[str, int, str]) -> str:
    filename, line, func = key
    short = filename.replace(str(ROOT) + "/", "")
    if "/site-packages/" in short:
        short = short.split("/site-packages/", 1)[1]
    return f"{short}:{line}({func})"


def profile_call(fn: Callable[[], Any], top: int = 10) -> tuple[Any, dict[str, list[str]]]:
    """Run ``fn`` under cProfile: the top cumulative entries in cqdlab's own code (the
    framework's wrappers would fill a plain top 10) and the top own-time entries anywhere."""
    prof = cProfile.Profile()
    prof.enable()
    try:
        value = fn()
    finally:
        prof.disable()
    entries = list(pstats.Stats(prof).stats.items())  # type: ignore[attr-defined]
    own = sorted((e for e in entries if _own_code(e[0][0])), key=lambda e: -e[1][3])[:top]
    anywhere = sorted(entries, key=lambda e: -e[1][2])[:top]
    return value, {
        "cumulative_app": [
            f"{v[3] * 1e3:8.1f} ms cum  {v[1]:>7} calls  {_label(k)}" for k, v in own
        ],
        "tottime_all": [
            f"{v[2] * 1e3:8.1f} ms own  {v[1]:>7} calls  {_label(k)}" for k, v in anywhere
        ],
    }


def slowest_sql(queries: list[dict], n: int = 3) -> list[str]:
    ordered = sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:n]
    return [f"{float(q['time']) * 1e3:.1f} ms: {q['sql'][:300]}" for q in ordered]


def profile_lines(title: str, queries: list[str], prof: dict[str, list[str]]) -> list[str]:
    out = [title, "  slowest SQL:", *(f"    {q}" for q in queries)]
    out += ["  cProfile, top cumulative in cqdlab code:"]
    out += [f"    {line}" for line in prof["cumulative_app"]]
    out += ["  cProfile, top own time (all code):"]
    out += [f"    {line}" for line in prof["tottime_all"]]
    return out
