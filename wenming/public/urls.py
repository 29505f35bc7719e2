from django.urls import include, path

from . import hotline_views, staff_views, views

app_name = "public"
citizen_patterns = [
    path("report/", views.report, name="report"),
    path("report/code/", views.code_send, name="code"),
    path("track/", views.track, name="track"),
    path("track/<str:code>/", views.status, name="status"),
    path("track/<str:code>/rate/", views.rate, name="rate"),
    path("track/<str:code>/photo/<int:pk>.jpg", views.photo, name="photo"),
    path("review/", staff_views.review, name="review"),
    path("review/<int:pk>/spam/", staff_views.reject_spam, name="spam"),
    path("review/<int:pk>/decide/", staff_views.decide, name="decide"),
]
urlpatterns = [
    path("citizen/", include(citizen_patterns)),
    # The hotline kept the address operators have bookmarked, beside the command centre's other intake page.
    path("cases/hotline/", hotline_views.hotline, name="hotline"),
]
