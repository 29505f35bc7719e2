from django.urls import path

from wenming.volunteers import views

app_name = "volunteers"

urlpatterns = [
    # public and the volunteer's own (phone-verified session)
    path("", views.calendar, name="calendar"),
    path("activities/<int:pk>/", views.activity, name="activity"),
    path("activities/<int:pk>/signup/", views.signup, name="signup"),
    path("activities/<int:pk>/cancel/", views.signup_cancel_view, name="signup_cancel"),
    path("activities/<int:pk>/report/", views.activity_report, name="report"),
    path("organisations/<int:pk>/", views.organisation_public, name="organisation_public"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("signin/", views.signin, name="signin"),
    path("signout/", views.signout, name="signout"),
    path("register/", views.register, name="register"),
    path("me/", views.me, name="me"),
    path("me/certificate.pdf", views.certificate, name="certificate"),
    # staff
    path("manage/", views.manage, name="manage"),
    path("manage/organisations/new/", views.organisation_new, name="organisation_new"),
    path("manage/organisations/<int:pk>/", views.organisation_manage, name="organisation_manage"),
    path("manage/organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("manage/organisations/<int:pk>/teams/new/", views.team_new, name="team_new"),
    path("manage/teams/<int:pk>/", views.team_manage, name="team_manage"),
    path("manage/teams/<int:pk>/rename/", views.team_rename_view, name="team_rename"),
    path("manage/memberships/<int:pk>/team/", views.membership_team, name="membership_team"),
    path("manage/projects/new/", views.project_new, name="project_new"),
    path("manage/projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("manage/activities/new/", views.activity_new, name="activity_new"),
    path("manage/activities/<int:pk>/", views.activity_manage, name="activity_manage"),
    path("manage/activities/<int:pk>/cancel/", views.activity_cancel_view, name="activity_cancel"),
    path("manage/records/<int:pk>/<slug:key>/", views.record_step, name="record_step"),
    path("manage/signups/<int:pk>/hours/", views.signup_hours, name="signup_hours"),
    path("manage/stats/", views.stats, name="stats"),
    path("manage/export.<slug:fmt>", views.export, name="export"),
]
