"""Request guards: oversized uploads refused early, a database outage answered cleanly."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpResponse, JsonResponse

# Multipart framing and form fields ride along with the file.
ENVELOPE_BYTES = 1024 * 1024


class UploadSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # Zip uploads may carry several files; they get the same per-request cap.
        limit = settings.MAX_UPLOAD_MB * 1024 * 1024 + ENVELOPE_BYTES
        if length > limit:
            message = f"The upload is larger than the {settings.MAX_UPLOAD_MB} MB limit."
            return JsonResponse({"error": message, "file": [message]}, status=413)
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
        from django.db import InterfaceError, OperationalError

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
