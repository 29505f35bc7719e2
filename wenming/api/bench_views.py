"""The minimal endpoint bench/http_intake.py compares against: one row into one table, nothing else.

Mounted only when WENMING_BENCH_ENDPOINT=1; the table is made by the benchmark (``api_bench_row``).
"""

from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def insert_one(request):
    body = request.POST.get("description", "")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO api_bench_row (body, created_at) VALUES (%s, now()) RETURNING id", [body])
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)
