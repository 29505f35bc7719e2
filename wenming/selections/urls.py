from django.urls import path

from wenming.selections import vote_views

app_name = "selections"

urlpatterns: list = [
    # The public vote (评选公众投票): the citizen's ballot, and the reviewers' pages of flagged votes.
    path("vote/", vote_views.vote_calls, name="vote_calls"),
    path("vote/<int:call_pk>/", vote_views.vote_ballot, name="vote_ballot"),
    path("vote/<int:call_pk>/photo/<int:pk>/", vote_views.vote_photo, name="vote_photo"),
    path("vote/<int:call_pk>/verify/", vote_views.vote_verify, name="vote_verify"),
    path("vote/<int:call_pk>/cast/", vote_views.vote_cast_view, name="vote_cast"),
    path("votes/", vote_views.vote_review_calls, name="vote_review_calls"),
    path("votes/<int:call_pk>/", vote_views.vote_review, name="vote_review"),
    path("votes/<int:call_pk>/decide/", vote_views.vote_decide, name="vote_decide"),
]
