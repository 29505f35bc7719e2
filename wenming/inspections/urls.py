from django.urls import path

from . import patrol_views, views

app_name = "inspections"
urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("plan/", views.round_plan, name="plan"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/release/", views.round_release, name="release"),
    path("rounds/<int:pk>/followup/", views.round_followup, name="followup"),
    path("rounds/<int:pk>/notices/", views.round_notices, name="notices"),
    path("rounds/<int:pk>/reinspect/", views.round_reinspect, name="reinspect"),
    path("schemes/", views.scheme_list, name="schemes"),
    path("schemes/import/", views.scheme_import_page, name="scheme_import"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme"),
    path("mine/", views.my_day, name="my_day"),
    path("mine/<int:pk>/", views.assignment_page, name="assignment"),
]
urlpatterns += [
    path("roads/", patrol_views.road_mine, name="road_mine"),
    path("roads/<int:chief>/start/", patrol_views.patrol_start, name="patrol_start"),
    path("patrols/", patrol_views.patrol_log, name="patrol_log"),
    path("patrols/indicators/", patrol_views.patrol_indicators, name="patrol_indicators"),
    path("patrols/<int:pk>/", patrol_views.patrol_detail, name="patrol"),
    path("patrols/<int:pk>/checkin/", patrol_views.patrol_checkin, name="patrol_checkin"),
    path("patrols/<int:pk>/finding/", patrol_views.patrol_finding, name="patrol_finding"),
    path("patrols/<int:pk>/finish/", patrol_views.patrol_finish, name="patrol_finish"),
]
