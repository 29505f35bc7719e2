from django.urls import path

from . import exposure_views, field_views, views

app_name = "cases"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("map.geojson", views.workbench_map, name="map"),
    path("new/", views.case_new, name="new"),
    path("import/", views.case_import, name="import"),
    path("batch-dispatch/", views.batch_dispatch, name="batch_dispatch"),
    path("export.<str:fmt>", views.export, name="export"),
    path("notices/", views.notice_list, name="notices"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.case_action, name="action"),
    path("<int:pk>/exposure/", exposure_views.exposure_edit, name="exposure"),
    path("evidence/<int:pk>/<str:variant>/", views.evidence_file, name="evidence"),
    # Field staff on a phone: report (随手拍 for grid workers and inspectors) and 我的上报.
    path("field/new/", field_views.field_new, name="field_new"),
    path("field/mine/", field_views.field_mine, name="field_mine"),
]
