from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from wenming.api.urls import open311_patterns
from wenming.cluster.views import healthz
from wenming.common import notifications_views
from wenming.common.auth import ThrottledAuthenticationForm
from wenming.site import views as site_views

admin.site.site_header = settings.WENMING_CITY_NAME + " · 文明城市创建指挥平台"
admin.site.site_title = "文明 Wenming"
admin.site.index_title = "配置管理"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", site_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html",
                                               authentication_form=ThrottledAuthenticationForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("notifications/", notifications_views.notification_list, name="notifications"),
    path("notifications/read/", notifications_views.notification_read, name="notifications_read"),
    path("org/", include("wenming.org.urls")),
    path("cases/", include("wenming.cases.urls")),
    path("", include("wenming.cases.route_urls")),
    path("", include("wenming.public.column_urls")),
    path("scoring/", include("wenming.scoring.urls")),
    path("campaign/", include("wenming.campaign.urls")),
    path("evaluation/", include("wenming.evaluation.urls")),
    path("inspections/", include("wenming.inspections.urls")),
    path("registries/", include("wenming.registries.urls")),
    path("selections/", include("wenming.selections.urls")),
    path("results/", include("wenming.selections.public_urls")),  # the public 晾晒 page of the selections
    path("windows/", include("wenming.windows.urls")),  # staff pages, the QR page /windows/w/<code>/, rankings
    path("volunteers/", include("wenming.volunteers.urls")),
    path("credit/", include("wenming.credit.urls")),
    path("reports/", include("wenming.reports.urls")),
    path("", include("wenming.public.urls")),  # /citizen/… and the hotline at /cases/hotline/
    path("api/v1/", include("wenming.api.urls")),
    path("open311/v2/", include((open311_patterns, "open311"))),
    path("admin/", admin.site.urls),
]
