"""The security matrix (tests/security/test_matrix.py) asked for the exchange routes only:
every persona, the rules of the kind each route is classified as."""

from __future__ import annotations

import pytest

from tests.security.test_matrix import (  # noqa: F401  (lab is a fixture)
    EXCHANGE_ROUTES,
    PERSONAS,
    WRITERS,
    _client,
    _problems,
    _send,
    lab,
    plan_for,
    walk,
)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_exchange_routes_answer_each_persona_as_its_role_allows(lab, persona):  # noqa: F811
    from fabrication.models import Device

    routes = [r for r in walk() if r.key in EXCHANGE_ROUTES]
    assert {r.key for r in routes} == set(EXCHANGE_ROUTES)
    client = _client(lab, persona)
    problems = []
    for route in routes:
        plan = plan_for(lab, route)
        for ask in plan.asks:
            if ask.write and persona in WRITERS:
                continue
            response = _send(client, ask)
            problems += [
                f"{ask.method} {ask.url}: {p}" for p in _problems(lab, persona, plan, ask, response)
            ]
    assert not problems, "\n".join(problems)
    assert Device.objects.filter(project=lab.project).count() == 8  # no import happened
