from django.urls import path

from wenming.registries import views

app_name = "registries"

urlpatterns = [
    path("", views.registry_list, name="list"),
    path("check/<int:case_pk>/", views.registry_check_view, name="check"),
    path("<slug:kind>/", views.registry_detail, name="detail"),
    path("<slug:kind>/records/", views.registry_records, name="records"),
    path("<slug:kind>/import/", views.registry_import_page, name="import"),
    path("<slug:kind>/imports/", views.registry_imports, name="imports"),
]
