"""The cqdlab REST API (/api/v1/, see the project's contract) from Python scripts and notebooks.

Only HTTP: the client knows nothing of the server's code, so it works against any cqdlab the
lab runs, from any machine that reaches it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import requests

from .errors import CqdlabError, server_message
from .frames import objects_frame, results_frame
from .routing import device_code_candidates

TARGETS = ("device", "film", "synthesis")
FINISHED = ("succeeded", "failed")


def api_root(base_url: str) -> str:
    """``http://host:8000``, ``http://host:8000/`` and ``http://host:8000/api/v1/`` all name
    the same API."""
    root = base_url.rstrip("/")
    return root if root.endswith("/api/v1") else f"{root}/api/v1"


def _path_part(code_or_id: str | int) -> str:
    # Codes hold slashes (B2025-06-12/S3/P2) that the API reads as part of the code; every
    # other reserved character is escaped so a code cannot bend the URL.
    return quote(str(code_or_id).strip(), safe="/")


class Client:
    """A session with one cqdlab server. ``Client.login(url, user, password)`` gets a token;
    ``Client(url, token)`` reuses one."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 60.0) -> None:
        self.base_url = api_root(base_url)
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        if token:
            self.session.headers["Authorization"] = f"Token {token}"
        self._device_exists: dict[str, bool] = {}

    @classmethod
    def login(cls, base_url: str, username: str, password: str, **kwargs: Any) -> Client:
        client = cls(base_url, **kwargs)
        body = client._request(
            "POST", "auth/token/", data={"username": username, "password": password}
        )
        client.session.headers["Authorization"] = f"Token {body['token']}"
        return client

    # --- plumbing -------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path}"

    def _send(self, method: str, path: str, file: str | None = None, **kwargs: Any):
        url = self._url(path)
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise CqdlabError(f"cannot reach {url}: {exc}", file=file) from exc
        return response

    def _request(self, method: str, path: str, file: str | None = None, **kwargs: Any) -> Any:
        response = self._send(method, path, file=file, **kwargs)
        body = _json(response)
        if response.status_code >= 400:
            fallback = response.reason or "refused"
            raise CqdlabError(server_message(body, fallback), response.status_code, body, file=file)
        return body

    # --- objects --------------------------------------------------------------------------

    def get(self, resource: str, code_or_id: str | int) -> dict[str, Any]:
        """One object by its code (``B2025-06-12/S3/P2``) or id: ``get("devices", code)``."""
        return self._request("GET", f"{resource.strip('/')}/{_path_part(code_or_id)}/")

    def list(self, resource: str, **filters: Any) -> list[dict[str, Any]]:
        """Every object of a resource the user can see, all pages followed; filters are the
        API's own (``list("devices", batch="B1")``). None-valued filters are left out."""
        params = {k: v for k, v in filters.items() if v is not None}
        page: Any = self._request("GET", f"{resource.strip('/')}/", params=params)
        items: list[dict[str, Any]] = []
        while True:
            if not isinstance(page, dict) or "results" not in page:
                return list(page) if isinstance(page, list) else [page]  # an unpaginated list
            items.extend(page["results"])
            if not page.get("next"):
                return items
            # The next link already carries the filters and the page number.
            page = self._request("GET", page["next"])

    # --- uploads --------------------------------------------------------------------------

    def upload(
        self,
        path: str | Path,
        device: str | int | None = None,
        film: str | int | None = None,
        synthesis: str | int | None = None,
        kind: str | None = None,
        confirm_duplicate: bool = False,
        **fields: Any,
    ) -> dict[str, Any]:
        """Upload one file to exactly one target. Returns the server's answer (the
        measurement: ``id``, ``kind``, ``status``, ``results``, ...) plus ``created``: False
        when these bytes were stored there already. Extra ``fields`` are the API's
        (``measured_at``, ``area_cm2``, ``irradiance_mw_cm2``, ``temperature_c``, ``notes``)."""
        path = Path(path)
        targets = {"device": device, "film": film, "synthesis": synthesis}
        given = {k: v for k, v in targets.items() if v is not None}
        if len(given) != 1:
            raise ValueError(f"give exactly one target of device, film, synthesis (got {given})")
        data = {**given, **{k: v for k, v in fields.items() if v is not None}}
        if kind:
            data["kind"] = kind
        if confirm_duplicate:
            data["confirm_duplicate"] = "true"
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CqdlabError(f"cannot read the file: {exc}", file=str(path)) from exc
        response = self._send(
            "POST", "measurements/", file=str(path), data=data, files={"file": (path.name, content)}
        )
        body = _json(response)
        if response.status_code >= 400:
            message = server_message(body, response.reason or "refused")
            raise CqdlabError(message, response.status_code, body, file=str(path))
        return {**body, "created": response.status_code == 201}

    def route(self, filename: str) -> str | None:
        """The device a file goes to by its name (``B2025-06-16_S1_P4.reverse.jv.txt`` ->
        ``B2025-06-16/S1/P4``), or None when its name starts with no device's code."""
        for code in device_code_candidates(filename):
            if code not in self._device_exists:
                try:
                    self.get("devices", code)
                    self._device_exists[code] = True
                except CqdlabError as exc:
                    if exc.status != 404:
                        raise
                    self._device_exists[code] = False
            if self._device_exists[code]:
                return code
        return None

    def upload_folder(
        self,
        folder: str | Path,
        pattern: str = "*",
        kind: str | None = None,
        confirm_duplicate: bool = False,
        **target: str | int,
    ) -> list[dict[str, Any]]:
        """Upload each file of ``folder`` matching ``pattern`` (sorted by name), to ``target``
        (``device=``, ``film=`` or ``synthesis=``) or, with none, to the device its name
        starts with. One refused file does not stop the others; each outcome says
        ``file``, ``target``, ``outcome`` (``created``, ``stored`` already, ``refused``,
        ``unrouted``), ``measurement`` (id), ``status`` and ``error`` (the server's words)."""
        unknown = set(target) - set(TARGETS)
        if unknown or len(target) > 1:
            raise ValueError(f"give at most one target of device, film, synthesis (got {target})")
        folder = Path(folder)
        if not folder.is_dir():
            raise CqdlabError("not a folder", file=str(folder))
        return [
            self._upload_one(path, dict(target), kind, confirm_duplicate)
            for path in sorted(p for p in folder.glob(pattern) if p.is_file())
        ]

    def _upload_one(
        self, path: Path, target: dict[str, Any], kind: str | None, confirm: bool
    ) -> dict[str, Any]:
        outcome: dict[str, Any] = {"file": str(path), "target": None, "measurement": None}
        outcome.update(outcome="refused", status=None, error=None, http_status=None)
        try:
            if not target:
                code = self.route(path.name)
                if code is None:
                    message = "its name starts with no device code (write / as _)"
                    return {**outcome, "outcome": "unrouted", "error": message}
                target = {"device": code}
            outcome["target"] = next(iter(target.values()))
            body = self.upload(path, kind=kind, confirm_duplicate=confirm, **target)
        except CqdlabError as exc:
            return {**outcome, "error": exc.message, "http_status": exc.status}
        return {
            **outcome,
            "outcome": "created" if body["created"] else "stored",
            "measurement": body.get("id"),
            "status": body.get("status"),
        }

    def wait(
        self, measurement_ids: int | Iterable[int], timeout: float = 120.0, interval: float = 1.0
    ) -> list[dict[str, Any]]:
        """Poll until every measurement has succeeded or failed; their answers, in order.
        Raises CqdlabError (status None) naming those still unfinished after ``timeout`` s."""
        ids = [measurement_ids] if isinstance(measurement_ids, int) else list(measurement_ids)
        done: dict[int, dict[str, Any]] = {}
        deadline = time.monotonic() + timeout
        while True:
            for mid in ids:
                if mid not in done:
                    body = self.get("measurements", mid)
                    if body.get("status") in FINISHED:
                        done[mid] = body
            pending = [mid for mid in ids if mid not in done]
            if not pending:
                return [done[mid] for mid in ids]
            if time.monotonic() >= deadline:
                raise CqdlabError(f"measurements {pending} still unfinished after {timeout} s")
            time.sleep(interval)

    # --- tables ---------------------------------------------------------------------------

    def results(self, **filters: Any) -> pd.DataFrame:
        """Results of succeeded measurements as a DataFrame, one row per scan or curve;
        filters as the API's (``device``, ``measurement``, ``kind``)."""
        return results_frame(self.list("results", **filters))

    def devices(self, batch: str | int | None = None) -> pd.DataFrame:
        """Devices (of one batch, by code or id) as a DataFrame, one row per device."""
        return objects_frame(self.list("devices", batch=batch))

    def losses(self, device: str | int) -> dict[str, Any]:
        """The device's loss analysis (detailed-balance limits, Voc deficit, ...)."""
        return self._request("GET", f"devices/{_path_part(device)}/losses/")


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]
