from django.urls import path

from wenming.credit import views

app_name = "credit"

urlpatterns = [
    path("", views.credit_index, name="index"),
    path("subjects/<int:pk>/", views.credit_subject, name="subject"),
    path("records/<int:pk>/repair/", views.credit_repair, name="repair"),
    path("sources/<slug:code>/", views.credit_source, name="source"),
    path("sources/<slug:code>/import/", views.credit_import_view, name="import"),
    path("joint/", views.credit_joint, name="joint"),
    path("joint/<int:record>/<int:measure>/ack/", views.credit_joint_ack, name="joint_ack"),
    path("candidates/", views.credit_candidates, name="candidates"),
    path("candidates/<int:shop>/decide/", views.credit_decide, name="decide"),
    path("query/", views.credit_query, name="query"),
    path("query/<int:pk>/", views.credit_query_subject, name="query_subject"),
]
