"""The dashboards' covering index (0002) also carries hi_pce, which the batch device table now
shows: without it each first-scan row would be fetched from the table (PostgreSQL only, as 0002)."""

from django.db import migrations

INDEX = "analysis_jvresult_dashboard_idx"
COLUMNS = "(scan_direction, device_id, measured_at, pce_percent DESC NULLS LAST)"


def _rebuild(schema_editor, include: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(
        f"CREATE INDEX {INDEX} ON analysis_jvresult {COLUMNS} INCLUDE ({include}) WHERE NOT is_dark"
    )


def forward(apps, schema_editor):
    _rebuild(schema_editor, "voc_v, jsc_ma_cm2, ff, flags, hi_pce")


def backward(apps, schema_editor):
    _rebuild(schema_editor, "voc_v, jsc_ma_cm2, ff, flags")


class Migration(migrations.Migration):
    dependencies = [("analysis", "0005_jv_hysteresis_index")]

    operations = [migrations.RunPython(forward, backward)]
