"""The bare-insert table of the HTTP benchmark leaves the product: the benchmark now keeps its own (``bench_row``,
bench/), so the one it made in the product's ``api`` namespace goes. Its model was unmanaged, so no state changes;
only a benchmark database ever held the table."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0002_open311_reports_keep_their_key_protect'),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS api_bench_row", reverse_sql=migrations.RunSQL.noop, elidable=True),
    ]
