from django.conf import settings
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from wenming.api import open311, views

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("units", views.UnitViewSet, basename="unit")
router.register("sites", views.SiteViewSet, basename="site")

app_name = "api"
urlpatterns = [
    path("locate/", views.LocateView.as_view(), name="locate"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
if settings.WENMING_BENCH_ENDPOINT:
    from wenming.api import bench_views

    urlpatterns += [path("bench/insert/", bench_views.insert_one, name="bench_insert"),
                    path("bench/insert-orm/", bench_views.insert_one_orm, name="bench_insert_orm")]

FMT = r"(?P<fmt>json|xml)"
open311_patterns = [
    path("", open311.root, name="root"),
    re_path(rf"^discovery\.{FMT}$", open311.discovery, name="discovery"),
    re_path(rf"^services\.{FMT}$", open311.services, name="services"),
    re_path(rf"^services/(?P<code>[\w-]+)\.{FMT}$", open311.service_definition, name="service"),
    re_path(rf"^requests\.{FMT}$", open311.requests_view, name="requests"),
    re_path(rf"^requests/(?P<request_id>[\w-]+)\.{FMT}$", open311.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>[\w-]+)\.{FMT}$", open311.token_detail, name="token"),
    re_path(rf"^request_updates\.{FMT}$", open311.request_updates, name="request_updates"),
]
