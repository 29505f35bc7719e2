from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("", views.edition_list, name="editions"),
    path("mine/", views.my_criteria, name="mine"),
    path("compare/", views.compare, name="compare"),
    path("compare.xlsx", views.compare_export, name="compare_export"),
    path("import/", views.import_page, name="import"),
    path("import/demo.xlsx", views.demo_workbook, name="demo_workbook"),
    path("editions/<str:code>/", views.edition_detail, name="edition"),
    path("editions/<str:code>/current/", views.edition_current, name="edition_current"),
    path("editions/<str:code>/export.xlsx", views.edition_export, name="edition_export"),
    path("criteria/<int:pk>/", views.criterion_detail, name="criterion"),
    path("criteria/<int:pk>/responsibility/", views.criterion_responsibility, name="responsibility"),
]
