"""POST /api/v1/auth/token/: a personal token from a username and password.

Failed attempts count towards the login limits (django-axes sees them because ``request`` is
passed to ``authenticate``); tokens made here always expire."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .login_limits import lockout_response
from .tokens import MAX_EXPIRY_DAYS, TokenRefused, TooManyTokens, token_create


class TokenRequest(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})
    name = serializers.CharField(required=False, default="API login")
    expires_in_days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
        help_text="Days until the token expires (default API_TOKEN_DEFAULT_EXPIRY_DAYS, 90).",
    )


_ERROR = inline_serializer("TokenError", {"error": serializers.CharField()})


class ObtainToken(APIView):
    """POST username and password, get a new personal token (see /tokens/ to revoke it)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "auth"

    @extend_schema(
        request=TokenRequest,
        responses={
            200: inline_serializer(
                "TokenResponse",
                {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
            ),
            400: OpenApiResponse(
                _ERROR, description="wrong credentials (a bad field answers {field: [messages]})"
            ),
            409: OpenApiResponse(_ERROR, description="the user holds the most tokens allowed"),
            429: OpenApiResponse(_ERROR, description="too many failed logins; see Retry-After"),
        },
    )
    def post(self, request: Request) -> HttpResponse:
        data = TokenRequest(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            return lockout_response(request)
        if user is None:
            return Response(
                {"error": "Unable to log in with these credentials."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        days = data.validated_data.get("expires_in_days", settings.API_TOKEN_DEFAULT_EXPIRY_DAYS)
        try:
            token, key = token_create(user, data.validated_data["name"], days)
        except TooManyTokens as exc:
            return Response({"error": str(exc)}, status=status.HTTP_409_CONFLICT)
        except TokenRefused as exc:
            return Response({"error": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"token": key, "expires_at": token.expires_at})
