"""Schemathesis against our own OpenAPI schema: no request it can build gets a 5xx.

Bounded: SCHEMA_FUZZ_EXAMPLES examples per operation (default 8) so `make test` stays quick.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from cqdlab.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "8"))


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app closes old connections after each request; inside the test's transaction
    that would close it for good (Django's own test client does the same as this)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(world):
    from core.tokens import token_create

    _, key = token_create(world["users"]["owner"], "fuzz")
    return key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    # Fixed examples keep CI repeatable; FUZZ_RANDOM=1 explores new ones by hand.
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
)
def test_no_request_built_from_the_schema_gets_a_server_error(case, token, settings):
    settings.MAX_UPLOAD_MB = 1
    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=(not_a_server_error,))
