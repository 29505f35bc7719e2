from django.urls import path

from . import views

app_name = "scoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("screen/", views.screen, name="screen"),
    path("panels.json", views.panels_json, name="panels"),
    path("heatmap.json", views.heatmap_json, name="heatmap"),
    path("snapshots/", views.snapshot_list, name="snapshots"),
    path("snapshots/compute/", views.snapshot_compute, name="snapshot_compute"),
    path("snapshots/<int:pk>/", views.snapshot_detail, name="snapshot"),
    path("snapshots/<int:pk>/act/<str:action>/", views.snapshot_act, name="snapshot_act"),
    path("snapshots/<int:pk>/explain/<str:key>/", views.explain, name="explain"),
    path("boards/", views.board_list, name="boards"),
    path("boards/<int:pk>/", views.board_detail, name="board"),
    path("boards/<int:pk>/act/<str:action>/", views.board_act, name="board_act"),
    path("accountability/", views.accountability_list, name="accountability_list"),
    path("accountability/<int:pk>/", views.accountability_detail, name="accountability"),
]
