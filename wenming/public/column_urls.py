from django.urls import path

from wenming.common.db_router import replica_reads

from . import column_views as views

# The namespace keeps the name it had in cases: the URLs and their names did not change with the move.
app_name = "exposure"
# Feeds are polled by readers all day: like the columns, they may read from the replica.
urlpatterns = [
    path("exposure/", views.board, name="board"),
    path("exposure/feed.atom", replica_reads(views.BoardFeed()), name="board_feed"),
    path("exposure/<int:pk>/", views.exposure_detail, name="detail"),
    path("exposure/photos/<int:pk>.jpg", views.exposure_photo, name="photo"),
    path("showcase/", views.showcase, name="showcase"),
    path("showcase/feed.atom", replica_reads(views.ShowcaseFeed()), name="showcase_feed"),
    path("redblack/", views.red_black, name="red_black"),
    path("redblack/feed.atom", replica_reads(views.RedBlackFeed()), name="red_black_feed"),
    path("redblack/<int:pk>/", views.red_black_detail, name="red_black_detail"),
]
