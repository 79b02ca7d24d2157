"""manage.py import_batch_sheet."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fabrication.models import Batch

from .sheets import BATCH, HYSPRINT_FILE, filled_template

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("import_batch_sheet", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_a_sheet_and_says_what_it_created(lab, tmp_path):
    path = tmp_path / "batch.xlsx"
    path.write_bytes(filled_template())
    out = run(str(path), "--project", "alpha", "--user", "colleague")
    batch = Batch.objects.get(code="B-NEW")
    assert f"Created batch B-NEW (id {batch.pk}) in project alpha from a cqdlab sheet:" in out
    assert (
        "variant B-NEW/T [target] Target (BA)2PbI4: stack B-NEW/T-stack (5 layers), "
        "ink A-RUN2, 2 substrate(s), 6 device(s)"
    ) in out
    assert "variant B-NEW/R [reference]" in out and "stack B-NEW/R-stack" in out


def test_the_command_imports_the_hysprint_file_and_prints_its_notes(world):
    out = run(str(HYSPRINT_FILE), "--project", "alpha", "--user", "owner")
    assert "16 substrate(s), 16 device(s)" in out
    assert "note: Steps not mapped to layers: 1: Cleaning O2-Plasma" in out


def test_the_command_lists_every_problem_and_stores_nothing(lab, tmp_path):
    path = tmp_path / "batch.xlsx"
    path.write_bytes(filled_template(batch={**BATCH, "Code": None, "Date": "soon"}))
    with pytest.raises(CommandError) as error:
        run(str(path), "--project", "alpha", "--user", "owner")
    assert str(error.value).splitlines() == [
        "Nothing imported:",
        "sheet 'Batch', row 2, column B (Code): Code is missing",
        "sheet 'Batch', row 4, column B (Date): 'soon' is not a date (use YYYY-MM-DD)",
    ]
    assert Batch.objects.count() == 2


def test_the_command_refuses_an_outsider(lab, tmp_path):
    path = tmp_path / "batch.xlsx"
    path.write_bytes(filled_template())
    with pytest.raises(CommandError, match="You may not add batches to project alpha"):
        run(str(path), "--project", "alpha", "--user", "outsider")
    assert not Batch.objects.filter(code="B-NEW").exists()


def test_the_command_names_an_unknown_project_user_or_path(lab, tmp_path):
    with pytest.raises(CommandError, match="No project 'gamma'"):
        run(str(HYSPRINT_FILE), "--project", "gamma", "--user", "owner")
    with pytest.raises(CommandError, match="No user 'nobody'"):
        run(str(HYSPRINT_FILE), "--project", "alpha", "--user", "nobody")
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "missing.xlsx"), "--project", "alpha", "--user", "owner")
