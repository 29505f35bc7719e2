from django.urls import path

from . import material_views, views

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
    # The online materials (网报材料).
    path("materials/", material_views.board, name="materials"),
    path("materials/list/", material_views.drill, name="material_list"),
    path("materials/window/", material_views.window, name="material_window"),
    path("materials/import/", material_views.requirements_import, name="material_import"),
    path("materials/package.zip", material_views.package, name="material_package"),
    path("materials/<int:pk>/", material_views.detail, name="material"),
    path("materials/<int:pk>/<str:key>/", material_views.step, name="material_step"),
    path("materials/files/<int:pk>/", material_views.file_download, name="material_file"),
    path("criteria/<int:criterion>/materials/new/", material_views.requirement_edit, name="material_new"),
    path("criteria/<int:criterion>/materials/<int:pk>/edit/", material_views.requirement_edit, name="material_edit"),
]
