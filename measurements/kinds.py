"""The kinds a measurement may be, as measurements knows them: a name, a label, the targets it
may attach to. The analysis app registers every kind it analyses here in its ready() (from its
one registry, ``analysis/kinds/``); measurements itself knows only attachments, which are kept
and never analysed. So measurements never imports analysis, and a kind is declared once.
"""

from __future__ import annotations

from dataclasses import dataclass

DEVICE, FILM, SYNTHESIS = "device", "film", "synthesis"
ATTACHMENT = "attachment"


@dataclass(frozen=True)
class KindInfo:
    name: str
    label: str
    targets: tuple[str, ...] = (DEVICE, FILM, SYNTHESIS)
    analysed: bool = True
    # J-V: when neither the upload nor the file states an area, the device's active area is
    # the area actually measured (the mask or pixel the lab drew on its form).
    area_from_device: bool = False


_KINDS: dict[str, KindInfo] = {}
_ATTACHMENT = KindInfo(ATTACHMENT, "Attachment (TEM, AFM, SEM, XRD, XPS, UPS, ...)", analysed=False)


def register(info: KindInfo) -> None:
    """Declare a kind (the analysis app, at start-up). Registering a name again replaces it."""
    _KINDS[info.name] = info


def get(name: str | None) -> KindInfo | None:
    if name == ATTACHMENT:
        return _ATTACHMENT
    return _KINDS.get(name or "")


def names() -> list[str]:
    """Every kind an upload may name, attachments last."""
    return [*_KINDS, ATTACHMENT]


def analysed_names() -> list[str]:
    return list(_KINDS)


def choices() -> list[tuple[str, str]]:
    """(name, label) pairs for model fields, forms and the API (a callable: read when used)."""
    return [(k.name, k.label) for k in (*_KINDS.values(), _ATTACHMENT)]
