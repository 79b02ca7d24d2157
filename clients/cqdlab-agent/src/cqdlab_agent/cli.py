"""`cqdlab-agent watch CONFIG` and `cqdlab-agent status [CONFIG]`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import datetime

from .agent import Agent
from .config import ConfigError, load_config
from .queue import Queue

DEFAULT_CONFIG = "cqdlab-agent.toml"


def _config_path(given: str | None) -> str:
    return given or os.environ.get("CQDLAB_AGENT_CONFIG") or DEFAULT_CONFIG


def status_text(queue: Queue, last: int = 10) -> str:
    """Counts per state and the latest failures, as `status` prints them."""
    counts = queue.counts()
    lines = [
        f"queued: {counts['waiting'] + counts['queued']} "
        f"(waiting to stop growing: {counts['waiting']})",
        f"sent: {counts['sent']} (+ {counts['duplicate']} with content already sent)",
        f"failed: {counts['failed']} (+ {counts['unrouted']} matching no rule)",
    ]
    retrying = [e for e in queue.entries("queued") if e.attempts]
    failures = [e for e in queue.entries("failed")][-last:]
    if retrying:
        lines.append("retrying:")
        lines += [f"  {e.path} (attempt {e.attempts}): {e.last_outcome}" for e in retrying[-last:]]
    if failures:
        lines.append("last failures:")
        for e in reversed(failures):
            when = datetime.fromtimestamp(e.updated_at).isoformat(timespec="seconds")
            lines.append(f"  {when} {e.path}: {e.last_outcome}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cqdlab-agent", description="Upload new instrument files to cqdlab."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    watch = sub.add_parser("watch", help="watch the configured folders and upload new files")
    watch.add_argument("config", help="the TOML configuration file")
    watch.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    status = sub.add_parser("status", help="print queued/sent/failed counts and last failures")
    status.add_argument(
        "config", nargs="?", help=f"the TOML configuration file (default: {DEFAULT_CONFIG})"
    )
    args = parser.parse_args(argv)
    try:
        config = load_config(_config_path(args.config), need_token=args.command == "watch")
    except ConfigError as exc:
        print(f"cqdlab-agent: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "status":
        queue = Queue(config.state_dir)
        try:
            print(status_text(queue))
        finally:
            queue.close()
        return 0
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    agent = Agent(config)
    try:
        agent.watch()
    finally:
        agent.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
