"""The minimal endpoints bench/http_intake.py compares against: one row into one table, nothing else.

Two ways to write the row: a bare SQL statement, and the ORM's ``create()``, the smallest endpoint a Django
developer would write. Neither opens a transaction of its own: one INSERT in autocommit is one round trip, as in
a minimal endpoint (Django's ``create()`` opens none for a model without parents).
"""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bench.models import BenchRow


@csrf_exempt
@require_POST
def insert_one(request):
    body = request.POST.get("description", "")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_row (body, created_at) VALUES (%s, now()) RETURNING id", [body])
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)


@csrf_exempt
@require_POST
def insert_one_orm(request):
    row = BenchRow.objects.create(body=request.POST.get("description", ""))
    return JsonResponse({"id": row.pk}, status=201)
