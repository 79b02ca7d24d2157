"""The notebook's pages: label sheets (PDF), /scan/, adding a note, photos through the project
check. Every object is looked up among the user's projects; another project's object answers
exactly as one that does not exist."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.access import scoped
from core.api import attachment_header, is_id
from fabrication.models import Batch, Synthesis

from . import labels as sheets
from .images import INLINE_TYPES
from .models import Attachment
from .services import NoteRefused, Photo, add_note
from .targets import TARGETS, Target, find_by_code, page_url, readable

MAX_CODES = 500
SESSION_ERROR = "notebook_note_error"


# --- labels ----------------------------------------------------------------------------------


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def label_line(target: Target, obj) -> str:
    """The short line under a code: what tells two vials or substrates apart at the bench."""
    parts: list[str] = []
    if target.name == "device":
        substrate = obj.substrate
        parts = [substrate.variant.name, f"pixel {obj.pixel}", _date(substrate.batch.date)]
    elif target.name == "substrate":
        parts = [obj.variant.name, obj.material, _date(obj.batch.date)]
    elif target.name == "batch":
        parts = [obj.name, _date(obj.date)]
    elif target.name == "variant":
        parts = [obj.name, _date(obj.batch.date)]
    elif target.name == "synthesis":
        peak = f"{obj.target_exciton_peak_nm:g} nm" if obj.target_exciton_peak_nm else ""
        parts = [f"{obj.material}-{obj.capping_ligand}", peak, _date(obj.date)]
    elif target.name == "ink":
        parts = [obj.recipe.code, obj.recipe.ligand_family, _date(obj.date)]
    elif target.name == "film":
        parts = [obj.name or (obj.synthesis.code if obj.synthesis else ""), obj.substrate_material]
    return " · ".join(p for p in parts if p)


def scan_url(request: HttpRequest, code: str) -> str:
    """The absolute /scan/<code> URL a label's QR holds: it keeps working when pages move."""
    return request.build_absolute_uri(reverse("scan-code", args=[code]))


def _labels_for(request: HttpRequest, items: list[tuple[Target, object]]) -> list[sheets.Label]:
    return [
        sheets.Label(obj.code, label_line(target, obj), scan_url(request, obj.code))
        for target, obj in items
    ]


def _pdf(request: HttpRequest, items, name: str) -> HttpResponse:
    size = sheets.SIZES.get(request.GET.get("size", ""), sheets.SIZES[sheets.DEFAULT_SIZE])
    skip = request.GET.get("skip", "0")
    skip_n = int(skip) if is_id(skip) and len(skip) < 4 else 0
    pdf = sheets.render_pdf(_labels_for(request, items), size, skip=skip_n, title=name)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = attachment_header(f"labels-{name}-{size.key}.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _batch_items(user, pk: str, what: str) -> tuple[Batch, list[tuple[Target, object]]]:
    batch = scoped(Batch.objects.all(), user).filter(pk=pk).first() if is_id(pk) else None
    if batch is None:
        raise Http404("No such batch in your projects.")
    items: list[tuple[Target, object]] = []
    if what in ("substrates", "both"):
        substrates = readable(TARGETS["substrate"], user).filter(batch=batch)
        items += [(TARGETS["substrate"], s) for s in substrates.order_by("code")]
    if what in ("devices", "both"):
        devices = readable(TARGETS["device"], user).filter(substrate__batch=batch)
        items += [(TARGETS["device"], d) for d in devices.order_by("code")]
    return batch, items


def _synthesis_items(user, pk: str) -> list[tuple[Target, object]]:
    synthesis = scoped(Synthesis.objects.all(), user).filter(pk=pk).first() if is_id(pk) else None
    if synthesis is None:
        raise Http404("No such synthesis in your projects.")
    runs = readable(TARGETS["ink"], user).filter(synthesis=synthesis).order_by("code")
    return [(TARGETS["synthesis"], synthesis)] + [(TARGETS["ink"], run) for run in runs]


def _form(request: HttpRequest, status: int = 200, **extra) -> HttpResponse:
    context = {
        "types": [(t.name, t.label) for t in TARGETS.values()],
        "sizes": sheets.SIZES.values(),
        "chosen_type": request.GET.get("type", "device"),
        "chosen_size": request.GET.get("size", sheets.DEFAULT_SIZE),
        "codes": request.GET.get("codes", ""),
        **extra,
    }
    return render(request, "notebook/labels.html", context, status=status)


@login_required
def labels(request: HttpRequest) -> HttpResponse:
    """A label sheet: ``batch=<id>`` (``what=substrates|devices|both``), ``synthesis=<id>``
    (it and its ink vials), or ``type`` and ``codes`` (one a line or comma-separated);
    without those, the form."""
    if "batch" in request.GET:
        what = request.GET.get("what", "both")
        batch, items = _batch_items(request.user, request.GET["batch"], what)
        return _pdf(request, items, f"{batch.code}-{what}")
    if "synthesis" in request.GET:
        items = _synthesis_items(request.user, request.GET["synthesis"])
        return _pdf(request, items, items[0][1].code)
    kind, text = request.GET.get("type", ""), request.GET.get("codes", "")
    if not text.strip():
        return _form(request)
    if kind not in TARGETS:
        return _form(request, 400, error="Choose what the labels are for.")
    codes = list(dict.fromkeys(c.strip() for c in text.replace(",", "\n").splitlines()))
    codes = [c for c in codes if c][:MAX_CODES]
    items, missing = [], []
    for code in codes:
        found = find_by_code(request.user, code, [kind])
        items += found
        if not found:
            missing.append(code)
    if missing:
        # Another project's code is unknown here, exactly like a code that does not exist.
        return _form(request, 404, missing=missing, label=TARGETS[kind].label.lower())
    return _pdf(request, items, kind)


# --- scanning ----------------------------------------------------------------------------------


def _code_from(text: str) -> str:
    """The code in what was typed or scanned: a code, or a label's /scan/<code> URL (a
    keyboard-wedge scanner types the QR's text)."""
    text = "".join(ch for ch in text if ord(ch) >= 32).strip()
    if "/scan/" in text:
        path = urlsplit(text).path if "://" in text else text
        text = unquote(path.split("/scan/", 1)[1]).strip()
    return text[:200]


def _open(request: HttpRequest, code: str, typed: bool) -> HttpResponse:
    found = find_by_code(request.user, code) if code else []
    if len(found) == 1:
        return redirect(page_url(found[0][1]))
    if found:
        choices = [(t.label, obj, page_url(obj)) for t, obj in found]
        return render(request, "notebook/scan.html", {"code": code, "choices": choices})
    # The same words for a code of another project as for one that does not exist, and the
    # code is not echoed in them.
    message = "No object with this code in your projects; check it and try again." if code else ""
    return render(
        request,
        "notebook/scan.html",
        {"code": code if typed else "", "missing": message},
        status=404 if code else 200,
    )


@login_required
def scan(request: HttpRequest) -> HttpResponse:
    """The scan page: the camera where the browser can read QR codes, a text box otherwise."""
    if "code" in request.GET:
        return _open(request, _code_from(request.GET["code"]), typed=True)
    return render(request, "notebook/scan.html", {})


@login_required
def scan_code(request: HttpRequest, code: str) -> HttpResponse:
    """What a label's QR code opens: the object's page (a choice when the code is shared)."""
    return _open(request, _code_from(code), typed=False)


# --- notes and photos -------------------------------------------------------------------------


def _back(request: HttpRequest, target) -> HttpResponse:
    nxt = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        nxt = page_url(target)
    return redirect(f"{nxt.split('#')[0]}#notes")


@login_required
@require_POST
def note_add(request: HttpRequest) -> HttpResponse:
    """Add a note (and a photo) from an object's notes panel; back to the page it came from."""
    # "device:12" from the panel's picker; the API names the target by type and code instead.
    name, _, pk = request.POST.get("target_pick", "").partition(":")
    target = TARGETS.get(name)
    obj = readable(target, request.user).filter(pk=pk).first() if target and is_id(pk) else None
    if obj is None:
        raise Http404("No such object in your projects.")
    upload = request.FILES.get("photo")
    photo = None
    if upload is not None:
        limit = settings.NOTE_IMAGE_MAX_MB * 1024 * 1024
        if upload.size > limit:
            request.session[SESSION_ERROR] = (
                f"{upload.name}: the photo is {upload.size / 1e6:.1f} MB; at most "
                f"{settings.NOTE_IMAGE_MAX_MB} MB is accepted."
            )
            return _back(request, obj)
        photo = Photo(upload.name, upload.read())
    try:
        add_note(user=request.user, target=obj, body=request.POST.get("body", ""), photo=photo)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from None
    except NoteRefused as exc:
        # Shown once by the notes panel of the page the form came from.
        request.session[SESSION_ERROR] = str(exc)
    return _back(request, obj)


def _attachment(request: HttpRequest, pk: int) -> Attachment:
    found = scoped(Attachment.objects.all(), request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such photo in your projects.")
    return found


def _file_response(field, media_type: str, name: str, inline: bool) -> FileResponse:
    response = FileResponse(field.open("rb"), content_type=media_type)
    disposition = attachment_header(name)
    response["Content-Disposition"] = (
        "inline" + disposition[len("attachment") :] if inline else disposition
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Whatever a file holds, the browser runs nothing from it.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def attachment_file(request: HttpRequest, pk: int) -> FileResponse:
    """The photo as uploaded: shown inline when it is a type browsers show (read from its
    content when it was kept), else offered for saving."""
    found = _attachment(request, pk)
    inline = found.media_type in INLINE_TYPES and "download" not in request.GET
    media_type = found.media_type if inline else "application/octet-stream"
    return _file_response(found.file, media_type, found.original_filename, inline)


@login_required
def attachment_thumbnail(request: HttpRequest, pk: int) -> FileResponse:
    found = _attachment(request, pk)
    return _file_response(found.thumbnail, "image/jpeg", f"thumb-{found.sha256[:12]}.jpg", True)
