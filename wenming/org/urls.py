from django.urls import path

from . import facility_views, import_views, views

app_name = "org"
urlpatterns = [
    path("areas/", views.area_list, name="area_list"),
    path("areas/<str:code>/", views.area_detail, name="area_detail"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("sites/", views.site_list, name="site_list"),
    path("sites/<str:code>/", views.site_detail, name="site_detail"),
    path("facilities/", facility_views.facilities, name="facilities"),
    path("facilities/export.xlsx", facility_views.facilities_export, name="facilities_export"),
    path("imports/", import_views.registers_import, name="registers_import"),
    path("outlines.json", views.outlines_json, name="outlines"),
]
