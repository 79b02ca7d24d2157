"""Refuse an oversized request from its Content-Length, before the body is read."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse

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
