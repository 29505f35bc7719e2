from django.urls import path

from . import forecast_views, ledger_views, material_views, readiness_views, risk_views, views

app_name = "evaluation"
urlpatterns = [
    path("", views.edition_list, name="editions"),
    path("mine/", views.my_criteria, name="mine"),
    path("readiness/", readiness_views.readiness_page, name="readiness"),
    path("readiness/<str:code>/", readiness_views.readiness_page, name="readiness_domain"),
    path("forecast/", forecast_views.forecast_page, name="forecast"),
    path("compare/", views.compare, name="compare"),
    path("compare.xlsx", views.compare_export, name="compare_export"),
    path("import/", views.import_page, name="import"),
    path("import/demo.xlsx", views.demo_workbook, name="demo_workbook"),
    path("editions/<str:code>/", views.edition_detail, name="edition"),
    path("editions/<str:code>/current/", views.edition_current, name="edition_current"),
    path("editions/<str:code>/export.xlsx", views.edition_export, name="edition_export"),
    path("criteria/<int:pk>/", views.criterion_detail, name="criterion"),
    path("criteria/<int:pk>/responsibility/", views.criterion_responsibility, name="responsibility"),
    # The risk watch (负面清单 风险管控).
    path("risks/", risk_views.risk_board, name="risks"),
    path("risks/<int:pk>/", risk_views.risk_detail, name="risk"),
    path("risks/<int:pk>/act/<slug:key>/", risk_views.risk_act, name="risk_act"),
    path("risks/evidence/<int:pk>/", risk_views.risk_evidence, name="risk_evidence"),
    path("risks/incident/", risk_views.risk_incident, name="risk_incident"),
    path("risks/plans/", risk_views.risk_plans, name="risk_plans"),
    path("risks/plans/<int:criterion_pk>/", risk_views.risk_plan, name="risk_plan"),
    path("risks/plans/<int:criterion_pk>/edit/", risk_views.risk_plan_edit, name="risk_plan_edit"),
    path("risks/plans/<int:criterion_pk>/revisions/<int:number>/", risk_views.risk_plan_revision,
         name="risk_plan_revision"),
    path("risks/plans/files/<int:pk>/", risk_views.risk_plan_file, name="risk_plan_file"),
    # The ledger (台账) and the 回头看 rounds.
    path("ledger/", ledger_views.ledger, name="ledger"),
    path("ledger/periods/", ledger_views.ledger_period_create, name="ledger_period_create"),
    path("ledger/export.xlsx", ledger_views.ledger_export, name="ledger_export"),
    path("ledger/criteria/<int:pk>/", ledger_views.ledger_entry, name="ledger_entry"),
    path("ledger/evidence/<int:pk>/", ledger_views.ledger_evidence, name="ledger_evidence"),
    path("ledger/rounds/", ledger_views.rounds, name="rounds"),
    path("ledger/rounds/<int:pk>/", ledger_views.round_detail, name="round"),
    path("ledger/rounds/<int:pk>/record/", ledger_views.round_record, name="round_record"),
    path("ledger/rounds/<int:pk>/close/", ledger_views.round_close, name="round_close"),
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
