from django.urls import path

from . import app_views, patrol_views, report_views, views

app_name = "inspections"
urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("plan/", views.round_plan, name="plan"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/release/", views.round_release, name="release"),
    path("rounds/<int:pk>/followup/", views.round_followup, name="followup"),
    path("rounds/<int:pk>/notices/", views.round_notices, name="notices"),
    path("rounds/<int:pk>/reinspect/", views.round_reinspect, name="reinspect"),
    path("rounds/<int:pk>/report.docx", report_views.round_report, name="round_report"),
    path("trends/", report_views.trends, name="trends"),
    path("schemes/", views.scheme_list, name="schemes"),
    path("schemes/import/", views.scheme_import_page, name="scheme_import"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme"),
    path("mine/", views.my_day, name="my_day"),
    path("mine/<int:pk>/", views.assignment_page, name="assignment"),
    path("app/", app_views.app_shell, name="app"),
    path("app/sw.js", app_views.service_worker, name="app_sw"),
    path("app/manifest.webmanifest", app_views.manifest, name="app_manifest"),
    path("rounds/<int:pk>/conflicts/<int:event>/settle/", app_views.conflict_settle, name="conflict_settle"),
]

# Storefront checks (门前五包): appended (see storefront_views).
from . import storefront_views as sv  # noqa: E402

urlpatterns += [
    path("storefronts/", sv.storefront_list, name="storefronts"),
    path("storefronts/find/", sv.storefront_find, name="storefront_find"),
    path("storefronts/<int:pk>/", sv.storefront_shop, name="storefront"),
    path("storefronts/<int:pk>/check/", sv.storefront_check, name="storefront_check"),
    path("storefronts/notices/<int:pk>/", sv.storefront_notice, name="storefront_notice"),
    path("storefronts/notices/<int:pk>/word/", sv.storefront_notice_word, name="storefront_notice_word"),
    path("storefronts/notices/<int:pk>/serve/", sv.storefront_serve, name="storefront_serve"),
    path("storefronts/notices/<int:pk>/recheck/", sv.storefront_recheck, name="storefront_recheck"),
    path("storefronts/photos/<int:pk>/", sv.storefront_photo, name="storefront_photo"),
]
urlpatterns += [
    path("roads/", patrol_views.road_mine, name="road_mine"),
    path("roads/<int:chief>/start/", patrol_views.patrol_start, name="patrol_start"),
    path("patrols/", patrol_views.patrol_log, name="patrol_log"),
    path("patrols/indicators/", patrol_views.patrol_indicators, name="patrol_indicators"),
    path("patrols/<int:pk>/", patrol_views.patrol_detail, name="patrol"),
    path("patrols/<int:pk>/checkin/", patrol_views.patrol_checkin, name="patrol_checkin"),
    path("patrols/<int:pk>/finding/", patrol_views.patrol_finding, name="patrol_finding"),
    path("patrols/<int:pk>/finish/", patrol_views.patrol_finish, name="patrol_finish"),
]
