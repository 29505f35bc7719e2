from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from wenming.api import open311, selection_views, task_views, views, volunteer_views, window_views
from wenming.credit import api as credit_api
from wenming.evaluation import api as evaluation_api
from wenming.evaluation import forecast_views as evaluation_forecast
from wenming.inspections import api as inspections_api
from wenming.inspections import patrol_api

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("units", views.UnitViewSet, basename="unit")
router.register("sites", views.SiteViewSet, basename="site")
router.register("actions", task_views.ActionViewSet, basename="action")
router.register("tasks", task_views.TaskViewSet, basename="task")
router.register("evaluation/editions", evaluation_api.EditionViewSet, basename="evaluation-edition")
router.register("evaluation/criteria", evaluation_api.CriterionViewSet, basename="evaluation-criterion")
router.register("evaluation/risks", evaluation_api.RiskRecordViewSet, basename="evaluation-risk")
router.register("evaluation/ledger", evaluation_api.LedgerEntryViewSet, basename="evaluation-ledger")
router.register("evaluation/ledger-rounds", evaluation_api.ReviewRoundViewSet, basename="evaluation-round")
router.register("evaluation/materials", evaluation_api.MaterialRequirementViewSet, basename="evaluation-material")
router.register("selections/calls", selection_views.CallViewSet, basename="selection-call")
router.register("selections/results", selection_views.ResultViewSet, basename="selection-result")

app_name = "api"
urlpatterns = [
    path("locate/", views.LocateView.as_view(), name="locate"),
    path("inspections/assignments/", inspections_api.AssignmentsView.as_view(), name="inspections-assignments"),
    path("inspections/results/", inspections_api.ResultsView.as_view(), name="inspections-results"),
    path("inspections/patrols/mine/", patrol_api.MyRoadsView.as_view(), name="inspections-patrols-mine"),
    path("inspections/patrols/checkins/", patrol_api.CheckinView.as_view(), name="inspections-patrols-checkins"),
    path("inspections/patrols/", patrol_api.StartView.as_view(), name="inspections-patrols-start"),
    path("inspections/patrols/<int:pk>/finish/", patrol_api.FinishView.as_view(), name="inspections-patrols-finish"),
    path("inspections/patrols/<int:pk>/findings/", patrol_api.FindingView.as_view(),
         name="inspections-patrols-findings"),
    path("windows/<str:code>/matters/", window_views.WindowMattersView.as_view(), name="windows-matters"),
    path("volunteers/activities/", volunteer_views.ActivitiesView.as_view(), name="volunteers-activities"),
    path("volunteers/activities/<int:pk>/", volunteer_views.ActivityView.as_view(), name="volunteers-activity"),
    path("volunteers/activities/<int:pk>/cancel/", volunteer_views.ActivityCancelView.as_view(),
         name="volunteers-activity-cancel"),
    path("volunteers/activities/<int:pk>/signups/", volunteer_views.SignUpsView.as_view(),
         name="volunteers-signups"),
    path("volunteers/records/<int:pk>/<slug:key>/", volunteer_views.RecordStepView.as_view(),
         name="volunteers-record-step"),
    path("volunteers/signups/<int:pk>/hours/", volunteer_views.SignupHoursView.as_view(),
         name="volunteers-signup-hours"),
    path("volunteers/stats/", volunteer_views.StatsView.as_view(), name="volunteers-stats"),
    path("volunteers/public/activities/", volunteer_views.PublicActivitiesView.as_view(),
         name="volunteers-public-activities"),
    path("credit/records/", credit_api.RecordsView.as_view(), name="credit-records"),
    path("credit/records/<int:pk>/repair/", credit_api.RepairView.as_view(), name="credit-repair"),
    path("evaluation/readiness/", evaluation_api.ReadinessView.as_view(), name="evaluation-readiness"),
    path("evaluation/forecast/", evaluation_forecast.ForecastView.as_view(), name="evaluation-forecast"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]

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
    # mySociety's name for the same list (FixMyStreet and its Open311 adapters ask for it).
    re_path(rf"^servicerequestupdates\.{FMT}$", open311.service_request_updates, name="servicerequestupdates"),
    re_path(r"^media/(?P<pk>[0-9]{1,19})\.jpg$", open311.media, name="media"),
]
