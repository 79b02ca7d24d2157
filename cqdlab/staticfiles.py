"""Static files as production serves them, under `make run` too: fingerprinted names (so
whitenoise can send them with a ten-year immutable cache) and gzip + brotli copies.

Django links plain names whenever DEBUG is on, so the demo under `make run` would load
plotly.js (4.8 MB) uncompressed and uncached. StaticStorage links the fingerprinted name whenever
collectstatic has produced one that is still current; a file edited since (a developer's CSS)
is linked by its plain name, which whitenoise then serves fresh from the source folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import FileSystemStorage
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

PLOTLY_JS = "plotly.min.js"


def plotly_dir() -> Path:
    """Where the installed plotly package keeps its copy of plotly.js."""
    import plotly

    return Path(plotly.__file__).parent / "package_data"


class _ReusingCompressor(Compressor):
    """Keeps .gz and .br copies newer than their file: collectstatic post-processes every file on
    every run (`make run` runs it each time), and brotli needs ~12 s for plotly.js alone."""

    def compress(self, path: str) -> Iterator[str]:
        wanted = [f"{path}.gz"] * self.use_gzip + [f"{path}.br"] * self.use_brotli
        try:
            mtime = os.stat(path).st_mtime
            if wanted and all(os.stat(p).st_mtime >= mtime for p in wanted):
                yield from wanted
                return
        except OSError:
            pass  # a copy is missing: make them
        yield from super().compress(path)


class StaticStorage(CompressedManifestStaticFilesStorage):
    """CompressedManifestStaticFilesStorage that fingerprints links in DEBUG as well."""

    def url(self, name: str | None, force: bool = False) -> str:
        if settings.DEBUG and not force and name and self._collected_is_current(name):
            force = True
        return super().url(name, force=force)

    def create_compressor(self, **kwargs: Any) -> Compressor:
        return _ReusingCompressor(**kwargs)

    def _collected_is_current(self, name: str) -> bool:
        """True when collectstatic fingerprinted ``name`` from the source file as it is now."""
        clean = self.clean_name(name.split("?", 1)[0].split("#", 1)[0])
        hashed = self.hashed_files.get(clean)
        source = finders.find(clean) if hashed else None
        if not source:
            return False
        try:
            return Path(source).stat().st_mtime <= Path(self.path(hashed)).stat().st_mtime
        except OSError:
            return False


class PlotlyFinder(finders.BaseFinder):
    """plotly.js from the installed plotly package as static/plotly/plotly.min.js, the same
    version the figures are built with; the lab's network may be closed, so never a CDN. Only that
    file: the package's widget bundle and datasets (5 MB more) are not for the pages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=plotly_dir())
        self.storage.prefix = "plotly"

    def check(self, **kwargs: Any) -> list:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:
        found = str(plotly_dir() / PLOTLY_JS) if path == f"plotly/{PLOTLY_JS}" else None
        if find_all or kwargs.get("all"):
            return [found] if found else []
        return found or []

    def list(self, ignore_patterns: list[str] | None) -> Iterator[tuple[str, FileSystemStorage]]:
        yield PLOTLY_JS, self.storage
