"""Every product route, and the two bare insert endpoints under the paths the benchmark has always used."""

from django.urls import path

from bench import views
from wenming.urls import urlpatterns as product

urlpatterns = [
    path("api/v1/bench/insert/", views.insert_one, name="bench_insert"),
    path("api/v1/bench/insert-orm/", views.insert_one_orm, name="bench_insert_orm"),
    *product,
]
