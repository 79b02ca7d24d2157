"""The batch page: statistics of every measured device and after exclusion, tests a referee
accepts (substrate means by default, both Ns, Holm), and the exclusion rule in words."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from analysis.models import JVResult
from analysis.templatetags.dashboard_tags import format_pvalue
from fabrication.models import Device, Substrate
from measurements.models import Measurement, RawFile


@pytest.fixture
def batch(world):
    """Three substrates of three pixels per variant; the target is better by 3 % PCE; one
    target pixel is shorted (its curve flagged), one control pixel has a low Voc."""
    lab = world["a"]
    raw = RawFile.objects.create(sha256="0" * 64, size_bytes=1, file="raw/x")
    for v, variant in enumerate(lab.variants):
        for s in range(3):
            substrate = Substrate.objects.create(
                project=variant.project, batch=lab.batch, variant=variant,
                code=f"{variant.code}/Y{s}", label=f"Y{s}",
            )  # fmt: skip
            for p in range(3):
                device = Device.objects.create(
                    project=variant.project, substrate=substrate, code=f"{substrate.code}/P{p}",
                    pixel=f"P{p}", active_area_cm2=0.05,
                )  # fmt: skip
                m = Measurement.objects.create(
                    project=variant.project, code=f"M-{device.id}", kind="jv", device=device,
                    raw_file=raw, original_filename="x.txt", status="succeeded",
                    measured_at=timezone.now(),
                )  # fmt: skip
                shorted = v == 0 and s == 0 and p == 0
                low_voc = v == 1 and s == 0 and p == 0
                JVResult.objects.create(
                    measurement=m, device=device, measured_at=m.measured_at,
                    analysis_version="t", scan_direction="reverse",
                    pce_percent=1.0 if shorted else (13.0 if v == 0 else 10.0) + 0.3 * s + 0.1 * p,
                    voc_v=0.2 if low_voc else 0.6, jsc_ma_cm2=25.0, ff=0.6,
                    flags=["shorted"] if shorted else [],
                )  # fmt: skip
    return lab


def test_the_batch_page_shows_statistics_before_and_after_exclusion_side_by_side(
    client, world, batch
):
    client.force_login(world["users"]["owner"])
    response = client.get(f"/batches/{batch.batch.id}/")
    # On its own page a variant goes by its name, without the batch code the page is headed by.
    stats = {s["name"]: s for s in response.context["stats"]}
    target = stats["target"]
    assert (target["n_measured"], target["n_kept"], target["n_excluded"]) == (9, 8, 1)
    assert target["all"]["pce_percent"]["mean"] < target["pce_percent"]["mean"]
    assert (target["n_substrates_measured"], target["n_substrates"]) == (3, 3)
    body = response.content.decode()
    assert body.count('class="all-measured"') == body.count('class="after-exclusion"') == 2
    assert "after exclusion (1 out)" in body


def test_the_batch_page_tests_substrate_means_by_default_with_both_ns(client, world, batch):
    client.force_login(world["users"]["owner"])
    response = client.get(f"/batches/{batch.batch.id}/")
    (test,) = response.context["tests"]
    assert response.context["per"] == "substrate"
    assert (test["n_a"], test["n_devices_a"], test["n_substrates_a"]) == (3, 8, 3)
    assert test["welch_p"] < 0.01 and test["all"]["welch_p"] is not None
    body = response.content.decode()
    assert "8 (3)" in body and "on substrate means" in body
    # Written as a paper prints them: three significant digits, or "< 0.0001".
    table = body.split('class="data tests"')[1].split("</table>")[0]
    cells = re.findall(r"<td>([^<]*)</td>", table)
    assert format_pvalue(test["welch_p"]).replace("<", "&lt;").replace(" ", "\u00a0") in cells
    assert not [c for c in cells if re.fullmatch(r"0\.0*[1-9]\d{3,}", c)]  # no 0.0123456
    pixels = client.get(f"/batches/{batch.batch.id}/", {"per": "device"}).context["tests"][0]
    assert pixels["n_a"] == 8 and pixels["welch_p"] < test["welch_p"]
    mixed = client.get(f"/batches/{batch.batch.id}/", {"per": "mixed"})
    assert mixed.context["tests"][0]["mixed_p"] < 0.01
    assert "Mixed model p" in mixed.content.decode()


def test_pairwise_tests_are_holm_corrected_together(client, world, batch):
    from analysis.compute.stats import holm

    client.force_login(world["users"]["owner"])
    response = client.get("/compare/", {"by": "batch"})  # one group: nothing to correct
    assert response.context["tests"] == []
    tests = client.get(f"/batches/{batch.batch.id}/").context["tests"]
    assert [t["welch_p_holm"] for t in tests] == holm([t["welch_p"] for t in tests])


def test_the_exclusion_rule_is_explained_with_its_thresholds(client, world, batch, settings):
    settings.DEVICE_SHORTED_VOC_FRACTION = 0.5
    client.force_login(world["users"]["owner"])
    response = client.get(f"/batches/{batch.batch.id}/")
    body = response.content.decode()
    assert "Voc below 50% of its batch&#x27;s median (shorted)" in body
    assert "apparent Rsh &lt; 100 Ω cm²" in body
    excluded = sorted(e["reason"] for e in response.context["excluded"])
    assert excluded == ["auto: shorted (analysis flag)", "auto: shorted (voc below 50% of median)"]
