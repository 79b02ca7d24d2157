"""Reading an .eln back in tests: its top folder, metadata graph and files."""

from __future__ import annotations

import io
import json
import zipfile


def unpack(data: bytes) -> tuple[str, dict, dict[str, bytes], list[str]]:
    """(top folder, ro-crate-metadata.json, files by path inside the folder, every name)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    top = names[0].split("/")[0]
    files = {n[len(top) + 1 :]: archive.read(n) for n in names if not n.endswith("/")}
    return top, json.loads(files["ro-crate-metadata.json"]), files, names


def repack(top: str, files: dict[str, bytes], folders: list[str] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for folder in folders:
            archive.writestr(folder, b"")
        for path, data in files.items():
            archive.writestr(f"{top}/{path}", data)
    return buffer.getvalue()


def nodes(metadata: dict) -> dict[str, dict]:
    return {n["@id"]: n for n in metadata["@graph"]}
