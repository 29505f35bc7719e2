from django.urls import path

from wenming.windows import views

app_name = "windows"

urlpatterns = [
    path("", views.window_list, name="list"),
    path("new/", views.window_new, name="new"),
    path("import/", views.windows_import_view, name="windows_import"),
    path("cases/<int:case_id>/link/", views.complaint_link_view, name="complaint_link"),
    path("cases/<int:case_id>/unlink/", views.complaint_unlink_view, name="complaint_unlink"),
    path("<int:pk>/", views.window_detail, name="detail"),
    path("<int:pk>/matters/", views.matter_accept_view, name="matter_accept"),
    path("<int:pk>/import/", views.matter_import_view, name="import"),
    path("<int:pk>/commitment/", views.commitment_view, name="commitment"),
    path("<int:pk>/staff/", views.staff_view, name="staff"),
    path("matters/<int:pk>/complete/", views.matter_complete_view, name="matter_complete"),
    path("followups/", views.followups, name="followups"),
    path("ratings/<int:pk>/answer/", views.followup_answer, name="followup_answer"),
    path("competition/", views.periods, name="periods"),
    path("competition/<int:pk>/", views.period_detail, name="period"),
    path("competition/<int:pk>/<slug:action>/", views.period_action, name="period_action"),
    # The citizen's pages: the published rankings and the counter's QR page.
    path("rankings/", views.rankings, name="rankings"),
    path("rankings/<int:pk>/", views.ranking, name="ranking"),
    path("w/<str:code>/", views.window_public, name="public"),
    path("w/<str:code>/complain/", views.window_complain_view, name="complain"),
]
