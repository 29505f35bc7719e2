"""The bare row: one table, made by the benchmark itself (``http_intake.prepare``), never by a migration."""

from django.db import models


class BenchRow(models.Model):
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "bench_row"
        managed = False

    def __str__(self) -> str:
        return str(self.pk)
