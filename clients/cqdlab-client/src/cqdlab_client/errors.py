"""The one exception the client raises for anything the server (or the network) refused."""

from __future__ import annotations

from typing import Any


class CqdlabError(Exception):
    """A refused request: ``status`` is the HTTP status (None when the server was not reached
    or a wait ran out), ``message`` the server's own words, ``body`` its whole answer, and
    ``file`` the local file an upload was about, when there is one."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        body: Any = None,
        file: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.body = body
        self.file = file
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        code = f"HTTP {self.status}: " if self.status is not None else ""
        return f"{where}{code}{self.message}"


def server_message(body: Any, fallback: str) -> str:
    """The human part of an error answer. cqdlab answers ``{"error": ..., field: [...],
    "line": n}``; DRF's own refusals answer ``{"detail": ...}`` or ``{field: [messages]}``."""
    if isinstance(body, dict):
        if body.get("error"):
            message = str(body["error"])
        elif body.get("detail"):
            message = str(body["detail"])
        else:
            parts = [
                f"{field}: {' '.join(map(str, v)) if isinstance(v, list) else v}"
                for field, v in body.items()
            ]
            message = "; ".join(parts) or fallback
        if body.get("line") is not None and "line" not in message:
            message += f" (line {body['line']})"
        return message
    if isinstance(body, list) and body:
        return "; ".join(map(str, body))
    return fallback
