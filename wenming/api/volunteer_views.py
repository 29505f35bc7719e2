"""REST v1 of the volunteer service (志愿服务), mounted under ``/api/v1/volunteers/`` by ``wenming.api.urls``.

Staff (``VOLUNTEER_ORGANISERS``, the pages' rule; anyone else signed in gets 404 as for a missing page): activities
in their scope (list with filters, detail, create through ``activity_create``, cancel through ``activity_cancel``
with the version read), an activity's sign-ups (phones masked), the hours steps of the pages' action table
(``HOURS_ACTIONS`` through ``service_record_step``, ``SIGNUP_ACTIONS`` through ``signup_hours_record``) and the
statistics from the pages' selector. Public: the calendar of upcoming activities, naming nobody.

Every row comes through ``restrict``/``get_or_404`` (out of scope answers 404 like missing); a service's refusal
of the input answers 400 with its (translated) message, a stale version or a wrong state 409, as elsewhere.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case as Case_
from django.db.models import When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from wenming.api.serializers import AsciiIdField, BoundedDateField
from wenming.api.views import ERRORS
from wenming.common.access import get_or_404, restrict, scope_for
from wenming.common.input import db_id
from wenming.common.roles import VOLUNTEER_ORGANISERS
from wenming.volunteers import selectors
from wenming.volunteers.errors import StaleRecord, VolunteerError
from wenming.volunteers.models import (
    Activity,
    ActivityStatus,
    Organisation,
    ServiceRecord,
    SignUp,
    SignUpStatus,
    Theme,
)
from wenming.volunteers.services.activities import ActivityValues, activity_cancel, activity_create
from wenming.volunteers.services.hours import (
    HOURS_ACTIONS,
    SIGNUP_ACTIONS,
    hours_actions_for,
    hours_parse,
    service_record_step,
    signup_actions_for,
    signup_hours_record,
)

STATS_DAYS = 30  # the statistics page's default period (volunteers.views.STATS_DAYS)
STATS_MAX_DAYS = 3660  # ten years at most in one call


def _organiser_or_404(request) -> None:
    """The pages' rule (``volunteers.views._organiser_or_404``): anyone else reads a missing page."""
    if not (scope_for(request.user).roles & VOLUNTEER_ORGANISERS or request.user.is_superuser):
        raise Http404


def _pk(raw) -> int:
    pk = db_id(raw)
    if pk is None:
        raise Http404
    return pk


def _refused_input(exc: VolunteerError):
    """A service's refusal of what was sent (not of the row's state): 400 with its message."""
    return ValidationError({"non_field_errors": [str(exc)]})


# -- serializers ---------------------------------------------------------------------------------------------

class ActivityFilterSerializer(serializers.Serializer):
    organisation = AsciiIdField(required=False, help_text="The organisation's id.")
    theme = serializers.ChoiceField(choices=Theme.choices, required=False)
    activity_status = serializers.ChoiceField(choices=ActivityStatus.choices, required=False,
                                              help_text="open / cancelled.")
    starts_from = BoundedDateField(required=False, help_text="Starting on or after this day (YYYY-MM-DD).")
    starts_to = BoundedDateField(required=False, help_text="Starting on or before this day (YYYY-MM-DD).")


class ActivitySerializer(serializers.ModelSerializer):
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField(source="organisation.name")
    project = serializers.IntegerField(source="project_id")
    project_name = serializers.CharField(source="project.name")
    theme = serializers.CharField()
    status = serializers.CharField(help_text="open / cancelled.")
    taken = serializers.IntegerField(help_text="Confirmed sign-ups.")
    waiting = serializers.IntegerField(help_text="Sign-ups on the waiting list.")

    class Meta:
        model = Activity
        fields = ["id", "title", "organisation", "organisation_name", "project", "project_name", "theme", "place",
                  "lng", "lat", "radius_m", "starts_at", "ends_at", "slots", "taken", "waiting", "min_age",
                  "requirements", "status", "version"]


class ActivityDetailSerializer(ActivitySerializer):
    source_case = serializers.IntegerField(source="source_case_id", allow_null=True)
    source_task = serializers.IntegerField(source="source_task_id", allow_null=True)
    cases = serializers.SerializerMethodField(help_text="The ids of the cases tied to the activity.")
    actions = serializers.SerializerMethodField(help_text="What you may do now: cancel.")

    class Meta(ActivitySerializer.Meta):
        fields = [*ActivitySerializer.Meta.fields, "source_case", "source_task", "cases", "actions"]

    def get_cases(self, activity) -> list[int]:
        return list(activity.case_links.order_by("link", "pk").values_list("case_id", flat=True))

    def get_actions(self, activity) -> list[str]:
        return ["cancel"] if activity.status == ActivityStatus.OPEN else []


class ActivityCreateSerializer(serializers.Serializer):
    project = AsciiIdField(help_text="The project's id (of an organisation you run).")
    title = serializers.CharField(max_length=120)
    place = serializers.CharField(max_length=200)
    lng = serializers.FloatField(min_value=73, max_value=136)
    lat = serializers.FloatField(min_value=3, max_value=54)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    slots = serializers.IntegerField(min_value=1, max_value=10000)
    radius_m = serializers.IntegerField(min_value=20, max_value=5000, default=300)
    min_age = serializers.IntegerField(min_value=0, max_value=100, default=0)
    requirements = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    source_case = AsciiIdField(required=False, allow_null=True, default=None,
                               help_text="The case the activity is called for (its open cluster is linked).")
    source_task = AsciiIdField(required=False, allow_null=True, default=None,
                               help_text="The campaign task the activity is called for.")

    def validate(self, attrs):
        # The page's bounds (volunteers.forms.ActivityForm): a year outside them is a typing slip.
        errors = {key: [_("Enter a date between 2000 and 2100.")] for key in ("starts_at", "ends_at")
                  if not dt.date(2000, 1, 1) <= attrs[key].date() <= dt.date(2100, 12, 31)}
        if errors:
            raise ValidationError(errors)
        return attrs


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, label=gettext_lazy("Reason"))
    version = serializers.IntegerField(min_value=0, max_value=2**31 - 1,
                                       help_text="The activity's version you read; a changed one is refused (409).")


class RecordSerializer(serializers.ModelSerializer):
    state = serializers.CharField(help_text="recorded / confirmed.")
    actions = serializers.SerializerMethodField(help_text="The hours actions you may take now (confirm, correct).")

    class Meta:
        model = ServiceRecord
        fields = ["id", "service_date", "hours", "state", "confirmed_at", "version", "actions"]

    def get_actions(self, record) -> list[str]:
        return [a.key for a in hours_actions_for(record, self.context["request"].user)]


class SignUpSerializer(serializers.ModelSerializer):
    volunteer = serializers.CharField(source="volunteer.name")
    phone = serializers.CharField(source="volunteer.phone_masked", help_text="Masked: 139****5678.")
    status = serializers.CharField(help_text="confirmed / waitlisted / cancelled.")
    checked_in_at = serializers.SerializerMethodField()
    checked_out_at = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text="Actions on the sign-up itself (record: hours without a "
                                                          "check-out).")

    class Meta:
        model = SignUp
        fields = ["id", "volunteer", "phone", "status", "created_at", "checked_in_at", "checked_out_at", "record",
                  "actions"]

    def _checkin(self, signup):
        return getattr(signup, "checkin", None)

    def get_checked_in_at(self, signup) -> dt.datetime | None:
        checkin = self._checkin(signup)
        return checkin.in_at if checkin else None

    def get_checked_out_at(self, signup) -> dt.datetime | None:
        checkin = self._checkin(signup)
        return checkin.out_at if checkin else None

    @extend_schema_field(RecordSerializer(allow_null=True))
    def get_record(self, signup):
        record = getattr(signup, "record", None)
        return RecordSerializer(record, context=self.context).data if record else None

    def get_actions(self, signup) -> list[str]:
        if getattr(signup, "record", None):
            return []
        return [a.key for a in signup_actions_for(signup, self.context["request"].user)]


class HoursStepSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0, max_value=2**31 - 1,
                                       help_text="The record's version you read; a changed one is refused (409).")
    hours = serializers.CharField(max_length=8, required=False, allow_blank=True, default="",
                                  help_text="The corrected hours (correct), such as 2.5.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                 help_text="The reason (required to correct).")


class SignupHoursSerializer(serializers.Serializer):
    hours = serializers.CharField(max_length=8, help_text="The hours served, such as 2.5.")
    note = serializers.CharField(max_length=300, help_text="Why the hours are recorded without a check-out.")


class StatsFilterSerializer(serializers.Serializer):
    start = BoundedDateField(required=False, help_text="First day (YYYY-MM-DD); 30 days before the end by default.")
    end = BoundedDateField(required=False, help_text="Last day (YYYY-MM-DD); today by default.")
    theme = serializers.ChoiceField(choices=Theme.choices, required=False)
    organisation = AsciiIdField(required=False, help_text="The organisation's id.")


class StatsRowSerializer(serializers.Serializer):
    records = serializers.IntegerField(help_text="Service times (人次).")
    hours = serializers.DecimalField(max_digits=14, decimal_places=2)
    confirmed = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Hours confirmed.")


class StatsOrgSerializer(StatsRowSerializer):
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField(source="organisation__name")


class StatsThemeSerializer(StatsRowSerializer):
    theme = serializers.CharField()
    label = serializers.CharField()


class StatsAreaSerializer(StatsRowSerializer):
    name = serializers.CharField(help_text="The district (区县).")


class StatsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    total = StatsRowSerializer()
    by_org = StatsOrgSerializer(many=True)
    by_area = StatsAreaSerializer(many=True)
    by_theme = StatsThemeSerializer(many=True)


class CalendarFilterSerializer(serializers.Serializer):
    area = serializers.CharField(max_length=20, required=False, allow_blank=True,
                                 help_text="An area's code: its activities and those below it.")
    theme = serializers.ChoiceField(choices=Theme.choices, required=False)


class PublicActivitySerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name")
    theme = serializers.CharField()
    taken = serializers.IntegerField(help_text="Confirmed sign-ups.")

    class Meta:
        model = Activity
        fields = ["id", "title", "organisation_name", "theme", "place", "lng", "lat", "starts_at", "ends_at",
                  "slots", "taken", "min_age", "requirements"]


# -- views ---------------------------------------------------------------------------------------------------

def _activity(request, pk) -> Activity:
    rows = selectors.managed_activities(request.user).select_related("source_case", "source_task")
    return get_or_404(rows, request.user, pk=_pk(pk))


class ActivitiesView(GenericAPIView):
    """Activities in your scope (filters, paginated); POST creates one through the same service as the page."""

    serializer_class = ActivitySerializer
    queryset = Activity.objects.none()

    @extend_schema(parameters=[ActivityFilterSerializer], responses={200: ActivitySerializer(many=True), **ERRORS})
    def get(self, request):
        _organiser_or_404(request)
        filters = ActivityFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        d = filters.validated_data
        rows = selectors.managed_activities(request.user)
        if "organisation" in d:
            rows = rows.filter(organisation_id=d["organisation"])
        if d.get("theme"):
            rows = rows.filter(theme=d["theme"])
        if d.get("activity_status"):
            rows = rows.filter(status=d["activity_status"])
        if d.get("starts_from"):
            rows = rows.filter(starts_at__date__gte=d["starts_from"])
        if d.get("starts_to"):
            rows = rows.filter(starts_at__date__lte=d["starts_to"])
        page = self.paginate_queryset(rows.order_by("-starts_at", "-pk"))
        return self.get_paginated_response(ActivitySerializer(page, many=True).data)

    @extend_schema(request=ActivityCreateSerializer, responses={201: ActivityDetailSerializer, **ERRORS})
    def post(self, request):
        _organiser_or_404(request)
        form = ActivityCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        try:
            created = activity_create(actor=request.user, values=ActivityValues(
                project_id=d["project"], title=d["title"], place=d["place"], lng=d["lng"], lat=d["lat"],
                starts_at=d["starts_at"], ends_at=d["ends_at"], slots=d["slots"], radius_m=d["radius_m"],
                min_age=d["min_age"], requirements=d["requirements"], source_case_id=d["source_case"],
                source_task_id=d["source_task"]))
        except VolunteerError as exc:  # every refusal of activity_create is about what was sent
            raise _refused_input(exc) from None
        return Response(ActivityDetailSerializer(_activity(request, created.pk)).data, status=status.HTTP_201_CREATED)


class ActivityView(APIView):
    """One activity of your scope: slots, confirmed and waiting counts, the cases it was called for."""

    @extend_schema(responses={200: ActivityDetailSerializer, **ERRORS})
    def get(self, request, pk):
        _organiser_or_404(request)
        return Response(ActivityDetailSerializer(_activity(request, pk)).data)


class ActivityCancelView(APIView):
    """Cancel an activity (with a reason and the version read; a changed activity is refused with 409)."""

    @extend_schema(request=CancelSerializer, responses={200: ActivityDetailSerializer, **ERRORS})
    def post(self, request, pk):
        _organiser_or_404(request)
        item = _activity(request, pk)
        form = CancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:  # stale or already cancelled: a refusal of the state, 409 through the API's handler
            activity_cancel(actor=request.user, activity_id=item.pk, reason=form.validated_data["reason"],
                            expected_version=form.validated_data["version"])
        except Activity.DoesNotExist:
            raise Http404 from None
        return Response(ActivityDetailSerializer(_activity(request, item.pk)).data)


class SignUpsView(GenericAPIView):
    """An activity's sign-ups for its organiser: the confirmed first, then the waiting line; phones masked."""

    serializer_class = SignUpSerializer
    queryset = SignUp.objects.none()

    @extend_schema(responses={200: SignUpSerializer(many=True), **ERRORS})
    def get(self, request, pk):
        _organiser_or_404(request)
        item = _activity(request, pk)
        rank = Case_(When(status=SignUpStatus.CONFIRMED, then=0), When(status=SignUpStatus.WAITLISTED, then=1),
                     default=2)
        rows = (item.signups.select_related("volunteer", "checkin", "record").order_by(rank, "created_at", "pk"))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(SignUpSerializer(page, many=True, context={"request": request}).data)


class RecordStepView(APIView):
    """An hours action of the pages' table on a service record: ``confirm``, or ``correct`` with the new hours and a
    reason; with the record's version (a changed record is refused with 409)."""

    @extend_schema(request=HoursStepSerializer, responses={200: RecordSerializer, **ERRORS}, parameters=[
        OpenApiParameter("key", str, OpenApiParameter.PATH, enum=list(HOURS_ACTIONS),
                         description="The action of the hours table (HOURS_ACTIONS).")])
    def post(self, request, pk, key: str):
        _organiser_or_404(request)
        action = HOURS_ACTIONS.get(key)
        if action is None:
            raise Http404
        record = get_or_404(ServiceRecord.objects.all(), request.user, pk=_pk(pk))
        form = HoursStepSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        # What the action needs of the input, from its row of the table: refused as 400 before the service runs
        # (the service refuses the same, but a refusal there is answered as one of the record's state).
        errors: dict[str, list[str]] = {}
        if action.note_required and not d["note"].strip():
            errors["note"] = [_("Reason: say why the hours are corrected.")]
        if action.needs_hours:
            try:
                hours_parse(d["hours"])
            except VolunteerError as exc:
                errors["hours"] = [str(exc)]
        if errors:
            raise ValidationError(errors)
        try:
            updated = service_record_step(record_id=record.pk, actor=request.user, action_key=key,
                                          expected_version=d["version"], note=d["note"], hours=d["hours"] or None)
        except ServiceRecord.DoesNotExist:
            raise Http404 from None
        except VolunteerError as exc:
            if isinstance(exc, StaleRecord):  # 409 through the API's handler
                raise
            raise _refused_input(exc) from None  # the same figure again: a refusal of what was sent
        return Response(RecordSerializer(updated, context={"request": request}).data)


class SignupHoursView(APIView):
    """Record the hours of a volunteer who checked in and never checked out (the pages' ``record`` action), with a
    reason; at most the activity's length, once."""

    @extend_schema(request=SignupHoursSerializer, responses={201: RecordSerializer, **ERRORS})
    def post(self, request, pk):
        _organiser_or_404(request)
        signup = get_or_404(SignUp.objects.all(), request.user, pk=_pk(pk))
        form = SignupHoursSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        try:
            hours_parse(d["hours"])
        except VolunteerError as exc:
            raise ValidationError({"hours": [str(exc)]}) from None
        action = SIGNUP_ACTIONS["record"]
        try:
            record = signup_hours_record(signup_id=signup.pk, actor=request.user, action_key=action.key,
                                         hours=d["hours"], note=d["note"])
        except (SignUp.DoesNotExist, Activity.DoesNotExist):
            raise Http404 from None
        except VolunteerError as exc:  # no check-in, more than the activity's length: 400; recorded already: 409
            raise _refused_input(exc) from None
        return Response(RecordSerializer(record, context={"request": request}).data, status=status.HTTP_201_CREATED)


class StatsView(APIView):
    """The statistics page's figures (the same selector, the same scope): hours and service times by organisation,
    district and theme over a period."""

    @extend_schema(parameters=[StatsFilterSerializer], responses={200: StatsSerializer, **ERRORS})
    def get(self, request):
        _organiser_or_404(request)
        form = StatsFilterSerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        end = d.get("end") or timezone.localdate()
        start = d.get("start") or end - dt.timedelta(days=STATS_DAYS - 1)
        if start > end:
            start, end = end, start
        if (end - start).days >= STATS_MAX_DAYS:
            raise ValidationError({"start": [_("Period: at most %(days)d days.") % {"days": STATS_MAX_DAYS}]})
        organisation = d.get("organisation")
        if organisation is not None and not restrict(Organisation.objects.filter(pk=organisation),
                                                     request.user).exists():
            raise ValidationError({"organisation": [_("Organisation: choose one of your scope.")]})
        figures = selectors.volunteer_stats(request.user, start=start, end=end, theme=d.get("theme", ""),
                                            organisation_id=organisation)
        return Response(StatsSerializer({"start": start, "end": end, **figures}).data)


class PublicActivitiesView(GenericAPIView):
    """The public calendar: open activities of the next two months with their confirmed count; no person named."""

    serializer_class = PublicActivitySerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []  # public: a stale session or key changes nothing here
    queryset = Activity.objects.none()

    @extend_schema(parameters=[CalendarFilterSerializer], responses={200: PublicActivitySerializer(many=True),
                                                                      400: ERRORS[400]})
    def get(self, request):
        form = CalendarFilterSerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        rows = selectors.calendar_activities(area_code=d.get("area", "").strip(), theme=d.get("theme", ""))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(PublicActivitySerializer(page, many=True).data)

