import datetime as dt

from django.db import migrations

# The published example for units (DESIGN.md section 3); districts and inspectors after DOMAIN.md. Cities set
# their own as new versions.
DEFAULTS = [
    ("unit", "结案率30 + 按期处置率30 + (1−返工率)30 + 量10",
     {"closed_rate": 30, "handled_on_time_rate": 30, "rework_rate": 30, "volume": 10}),
    ("district", "结案率40 + 按期结案率40 + 监督举报率20",
     {"closed_rate": 40, "closed_on_time_rate": 40, "public_report_rate": 20}),
    ("inspector", "有效上报率60 + 按时核查率40", {"valid_report_rate": 60, "verify_on_time_rate": 40}),
]


def add(apps, schema_editor):
    IndexVersion = apps.get_model("scoring", "IndexVersion")
    for subject, name, weights in DEFAULTS:
        if not IndexVersion.objects.filter(subject=subject).exists():
            IndexVersion.objects.create(subject=subject, name=name, weights=weights, effective_from=dt.date(2020, 1, 1),
                                        min_volume=5, volume_target=50)


def remove(apps, schema_editor):
    apps.get_model("scoring", "IndexVersion").objects.filter(used_at__isnull=True, effective_from=dt.date(2020, 1, 1)).delete()


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_scores_snapshots_boards_accountability")]
    operations = [migrations.RunPython(add, remove)]
