from django.urls import path

from wenming.selections import views

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
    path("nominations/<int:pk>/photos/<int:photo>/", views.nomination_photo, name="photo"),
    path("scores/<int:pk>/correct/", views.score_correct, name="score_correct"),
    path("objections/<int:pk>/decide/", views.objection_decide, name="objection_decide"),
]
