from django.urls import path

from . import report_views, views

app_name = "inspections"
urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("plan/", views.round_plan, name="plan"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/release/", views.round_release, name="release"),
    path("rounds/<int:pk>/followup/", views.round_followup, name="followup"),
    path("rounds/<int:pk>/notices/", views.round_notices, name="notices"),
    path("rounds/<int:pk>/reinspect/", views.round_reinspect, name="reinspect"),
    path("rounds/<int:pk>/report.docx", report_views.round_report, name="round_report"),
    path("trends/", report_views.trends, name="trends"),
    path("schemes/", views.scheme_list, name="schemes"),
    path("schemes/import/", views.scheme_import_page, name="scheme_import"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme"),
    path("mine/", views.my_day, name="my_day"),
    path("mine/<int:pk>/", views.assignment_page, name="assignment"),
]
