from django.urls import path

from . import export_views, views

app_name = "campaign"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("forces/<int:pk>/", views.force_board, name="force"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/report/", views.task_report, name="task_report"),
    path("tasks/export.xlsx", export_views.tasks_export, name="tasks_export"),
    path("tasks/<int:pk>/export.xlsx", export_views.task_export, name="task_export"),
    path("tasks/<int:pk>/targets/recompute/", views.targets_recompute, name="targets_recompute"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("targets/lines/<int:pk>/", views.line_detail, name="line"),
    path("targets/lines/<int:pk>/submit/", views.line_submit, name="line_submit"),
    path("targets/lines/<int:pk>/review/", views.line_review, name="line_review"),
    path("targets/evidence/<int:pk>/", views.line_evidence_file, name="line_evidence"),
    path("supervision/", views.supervision_list, name="supervision"),
    path("map/", views.battle_map, name="map"),
    path("map/data.json", views.battle_map_data, name="map_data"),
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/prepare/", views.meeting_prepare, name="meeting_prepare"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/decide/", views.meeting_decide, name="meeting_decide"),
]
