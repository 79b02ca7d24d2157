"""The demo tells the paper's story, through the same parsers and analysis as real uploads."""

import pytest
from django.core.management import call_command

from analysis import dashboards
from analysis.models import JVResult, StabilityStudy
from analysis.selectors.devices import device_rows, group_rows
from core.models import Project
from fabrication.models import Batch, Device, LigandExchangeRecipe, Synthesis, Variant
from measurements.models import Measurement


def _counts() -> tuple:
    return (
        Device.objects.count(),
        Variant.objects.count(),
        Synthesis.objects.count(),
        LigandExchangeRecipe.objects.count(),
        Measurement.objects.count(),
        JVResult.objects.count(),
    )


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    # The test's transaction never commits: run the analyses queued "on commit" here.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")


def test_the_demo_loader_can_run_twice_without_changing_anything(demo):
    before = _counts()
    call_command("load_demo")
    assert _counts() == before
    assert Project.objects.count() == 1


def test_the_demo_holds_the_papers_fabrication_chain(demo):
    # 30 devices per variant for the statistics plus 5 stability pixels, 2 variants, 2 sizes.
    assert Device.objects.count() == 140
    peaks = sorted(Synthesis.objects.values_list("target_exciton_peak_nm", flat=True))
    assert peaks == [933.0, 1180.0]
    families = set(LigandExchangeRecipe.objects.values_list("ligand_family", flat=True))
    assert {"PbI2", "MAPbI3", "(BA)2PbI4"} <= families
    stack = Variant.objects.first().stack
    assert "/".join(stack.layers.values_list("material", flat=True)) == (
        "ITO glass/ZnO/PbS/PbS-EDT/Au"
    )


def test_every_demo_file_is_analysed_and_the_means_match_the_paper(demo):
    assert not Measurement.objects.exclude(status="succeeded").exists()
    means = {}
    for batch in Batch.objects.all():
        groups = group_rows(device_rows(Device.objects.filter(substrate__batch=batch)), "variant")
        for stats in dashboards.group_stats(groups):
            means[stats["name"]] = stats["pce_percent"]["mean"]
    assert means["B2025-06-16: Target (BA)2PbI4"] == pytest.approx(12.7, abs=0.2)
    assert means["B2025-06-16: Control PbI2"] == pytest.approx(10.9, abs=0.2)
    assert means["B2025-06-02: Control PbI2"] == pytest.approx(7.13, abs=0.2)
    sizes = dict(Synthesis.objects.values_list("code", "measured_exciton_peak_nm"))
    assert sizes["PbS-933"] == pytest.approx(933, abs=3)
    assert StabilityStudy.objects.count() == 4


def test_every_page_of_the_demo_renders_with_its_figures(demo, client):
    from django.contrib.auth import get_user_model

    from analysis.models import EQEResult

    client.force_login(get_user_model().objects.get(username="demo"))
    champion = EQEResult.objects.select_related("measurement").first().measurement.device_id
    urls = [
        "/",
        "/compare/",
        "/compare/?by=synthesis&per=substrate",
        "/aging/",
        "/aging/?metric=ff",
        f"/devices/{champion}/",
        "/upload/",
    ]
    urls += [f"/batches/{b.id}/" for b in Batch.objects.all()]
    urls += [f"/syntheses/{s.id}/" for s in Synthesis.objects.all()]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    device_page = client.get(f"/devices/{champion}/").content.decode()
    for fig in ("fig-jv", "fig-eqe", "fig-mpp", "fig-intensity"):
        assert f'id="{fig}"' in device_page
    synthesis = client.get(f"/syntheses/{Synthesis.objects.first().id}/").content.decode()
    assert 'id="fig-spectra"' in synthesis and 'id="fig-trpl"' in synthesis
