from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("meetings/<int:pk>/meeting.docx", views.meeting_word, name="meeting_docx"),
    path("meetings/<int:pk>/figures.xlsx", views.meeting_figures, name="meeting_xlsx"),
]
