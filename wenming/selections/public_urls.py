from django.urls import path

from wenming.common.db_router import replica_reads

from . import public_views as views

app_name = "selection_results"

urlpatterns = [
    path("", views.board, name="board"),
    path("feed.atom", replica_reads(views.ResultsFeed()), name="feed"),
    path("<int:pk>/", views.winner, name="winner"),
    path("<int:pk>/objection/", views.objection, name="objection"),
    path("photos/<int:pk>.jpg", views.photo, name="photo"),
    path("calls/<int:pk>/nominate/", views.nominate, name="nominate"),
]
