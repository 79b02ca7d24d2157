from django.core.management import call_command

from fabrication.models import Device, LigandExchangeRecipe, Project, Synthesis, Variant


def test_the_demo_loader_builds_the_papers_experiment_and_can_run_twice(db):
    call_command("load_demo")
    counts = (Device.objects.count(), Variant.objects.count(), Synthesis.objects.count(),
              LigandExchangeRecipe.objects.count())
    call_command("load_demo")
    assert (Device.objects.count(), Variant.objects.count(), Synthesis.objects.count(),
            LigandExchangeRecipe.objects.count()) == counts
    assert counts[0] == 120  # 30 devices per variant, two variants, two dot sizes
    peaks = sorted(Synthesis.objects.values_list("target_exciton_peak_nm", flat=True))
    assert peaks == [933.0, 1180.0]
    families = set(LigandExchangeRecipe.objects.values_list("ligand_family", flat=True))
    assert {"PbI2", "MAPbI3", "(BA)2PbI4"} <= families
    stack = Variant.objects.first().stack
    assert "/".join(stack.layers.values_list("material", flat=True)) == (
        "ITO glass/ZnO/PbS/PbS-EDT/Au"
    )
    assert Project.objects.count() == 1
