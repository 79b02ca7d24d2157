"""The device and synthesis pages draw every figure the kinds hand them, known or new."""

from __future__ import annotations

import pytest

from analysis.pages import device, synthesis

FIGURE = {"data": [], "layout": {}}


@pytest.mark.parametrize(
    "module, url, placed",
    [
        (device, "/devices/{}/", ("jv", "eqe")),
        (synthesis, "/syntheses/{}/", ("spectra", "trpl")),
    ],
)
def test_a_new_kinds_figure_shows_without_a_template_change(
    client, world, monkeypatch, module, url, placed
):
    figures = {key: FIGURE for key in (*placed, "new_kind")}
    monkeypatch.setattr(module, "page_figures", lambda page, results: figures)
    client.force_login(world["users"]["owner"])
    pk = world["a"].devices[0].id if module is device else world["a"].synthesis.id
    body = client.get(url.format(pk)).content.decode()
    for key in (*placed, "new_kind"):
        assert body.count(f'id="fig-{key}"') == 1, key


def test_the_status_form_shows_to_those_who_may_change_the_status(client, world):
    url = f"/devices/{world['a'].devices[0].id}/"
    client.force_login(world["users"]["colleague"])
    assert 'name="status"' in client.get(url).content.decode()
    client.force_login(world["users"]["viewer"])
    assert 'name="status"' not in client.get(url).content.decode()
