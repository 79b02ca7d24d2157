"""Request guards: oversized uploads refused early, a database outage answered cleanly."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

# Multipart framing and form fields ride along with the file.
ENVELOPE_BYTES = 1024 * 1024


def _refusal(request, message: str, status: int) -> HttpResponse:
    wants_json = request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")
    if wants_json:
        return JsonResponse({"error": message, "file": [message]}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class UploadSizeLimitMiddleware:
    """Refuses an oversized body by its stated length, before a byte of it is read: Django
    reads the body only when a view first touches request.POST, FILES or body, after this.

    Under WSGI the body Django reads is cut at CONTENT_LENGTH, so the stated length bounds
    what any view can receive. A chunked body states none, and Django would read it as empty;
    it is refused with 411 rather than answered with a puzzling "no file was submitted".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        stated = request.META.get("CONTENT_LENGTH")
        try:
            length = int(stated or 0)
        except ValueError:
            length = 0  # Django reads such a body as empty too
        # Zip uploads may carry several files; they get the same per-request cap.
        limit = settings.MAX_UPLOAD_MB * 1024 * 1024 + ENVELOPE_BYTES
        if length > limit:
            message = (
                f"The upload is {length / (1024 * 1024):,.0f} MB, larger than the "
                f"{settings.MAX_UPLOAD_MB} MB limit."
            )
            return _refusal(request, message, 413)
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not stated:
            message = "Send the upload with a Content-Length header (chunked bodies are not read)."
            return _refusal(request, message, 411)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """PostgreSQL down: answer a clean 503 with Retry-After, not a 500 with a traceback.

    Writes happen in one transaction each, so a request cut short leaves nothing half-written.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logging.getLogger(__name__).error("database unavailable: %s", exception)
        message = "The database is unavailable; nothing was changed. Please retry shortly."
        wants_json = request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")
        if wants_json:
            response = JsonResponse({"error": message}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain")
        response["Retry-After"] = "30"
        return response
