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
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("signin/", views.signin, name="signin"),
    path("signout/", views.signout, name="signout"),
    path("register/", views.register, name="register"),
    path("me/", views.me, name="me"),
    path("me/certificate.pdf", views.certificate, name="certificate"),
    # staff
    path("manage/", views.manage, name="manage"),
    path("manage/organisations/new/", views.organisation_new, name="organisation_new"),
    path("manage/projects/new/", views.project_new, name="project_new"),
    path("manage/activities/new/", views.activity_new, name="activity_new"),
    path("manage/activities/<int:pk>/", views.activity_manage, name="activity_manage"),
    path("manage/activities/<int:pk>/cancel/", views.activity_cancel_view, name="activity_cancel"),
    path("manage/records/<int:pk>/<slug:key>/", views.record_step, name="record_step"),
    path("manage/signups/<int:pk>/hours/", views.signup_hours, name="signup_hours"),
    path("manage/stats/", views.stats, name="stats"),
    path("manage/export.<slug:fmt>", views.export, name="export"),
]
