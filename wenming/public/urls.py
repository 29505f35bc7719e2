from django.urls import path

from . import staff_views, views

app_name = "public"
urlpatterns = [
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
