from django.urls import path

from wenming.selections import views, vote_views

app_name = "selections"

urlpatterns = [
    path("", views.call_list, name="calls"),
    path("new/", views.call_new, name="call_new"),
    path("review/", views.my_review, name="my_review"),
    path("kinds/", views.kind_new, name="kind_new"),
    path("<int:pk>/", views.call_detail, name="call"),
    path("<int:pk>/edit/", views.call_edit, name="call_edit"),
    path("<int:pk>/step/", views.call_step_view, name="call_step"),
    path("<int:pk>/panel/", views.panel_add, name="panel_add"),
    path("<int:pk>/nominate/", views.nominate, name="nominate"),
    path("nominations/<int:pk>/", views.nomination_detail, name="nomination"),
    path("nominations/<int:pk>/qualify/", views.nomination_qualify, name="qualify"),
    path("nominations/<int:pk>/override/", views.nomination_override, name="override"),
    path("nominations/<int:pk>/declare/", views.nomination_declare, name="declare"),
    path("nominations/<int:pk>/score/", views.nomination_score, name="score"),
    path("nominations/<int:pk>/objection/", views.objection_new, name="objection"),
    path("nominations/<int:pk>/revoke/", views.nomination_revoke, name="revoke"),
    path("nominations/<int:pk>/withdraw/", views.nomination_withdraw_view, name="withdraw"),
    path("nominations/<int:pk>/photos/<int:photo>/", views.nomination_photo, name="photo"),
    path("scores/<int:pk>/correct/", views.score_correct, name="score_correct"),
    path("objections/<int:pk>/decide/", views.objection_decide, name="objection_decide"),
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
