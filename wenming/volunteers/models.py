"""Volunteer service (互联网+志愿服务, 《志愿服务条例》2017): organisations and their teams, volunteers registered by phone
(real name where the organisation requires it, a guardian's consent for minors), projects and their activities,
sign-ups with a waiting list, on-site check-in and check-out, and the service hours the organisation keeps and
confirms. Every change goes through ``services`` and appends a ``VolunteerEvent``; ``DailyHours`` is the per-day
summary the statistics page reads, kept in the same transaction as the records it adds up.

A volunteer is a citizen, not a staff account: their pages run on a phone-verified session (``session.py``).
An ID number is kept masked plus a keyed hash (to find a duplicate registration), never in full.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class HostKind(models.TextChoices):
    PRACTICE_CENTRE = "practice_centre", _("Civilization practice centre (新时代文明实践中心)")
    PRACTICE_INSTITUTE = "practice_institute", _("Civilization practice institute (新时代文明实践所)")
    PRACTICE_STATION = "practice_station", _("Civilization practice station (新时代文明实践站)")
    UNIT = "unit", _("Unit (机关企事业单位)")
    SCHOOL = "school", _("School (学校)")
    COMMUNITY = "community", _("Community (社区)")


class Theme(models.TextChoices):
    TRAFFIC = "traffic", _("Civilized traffic (文明交通劝导)")
    HAND_IN_HAND = "hand_in_hand", _("Little hands in big hands (小手拉大手)")
    CLEAN = "clean", _("Clean homes (清洁家园)")
    CARE = "care", _("Care for the elderly and young (关爱帮扶)")
    PUBLICITY = "publicity", _("Civility publicity (文明宣传)")
    OTHER = "other", _("Other (其他)")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    host_kind = models.CharField(_("host"), max_length=24, choices=HostKind.choices)
    # The practice centre/institute/station (a Site of those types) or the unit that hosts it.
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("host site"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("host unit"))
    area = models.ForeignKey("org.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    area_path = models.CharField(_("area path"), max_length=255, db_index=True, editable=False)
    # 实名: the organisation asks for the ID number at registration.
    requires_real_name = models.BooleanField(_("requires real name"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Raised by every edit: a form read before someone else's edit is refused instead of undoing it.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("volunteer organisation")
        verbose_name_plural = _("volunteer organisations")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="vol_team_unique_name")]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    phone = models.CharField(_("phone"), max_length=11, unique=True)
    name = models.CharField(_("name"), max_length=40)
    # Masked for display (110***********1234) and a keyed hash to find the same person twice; never in full.
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    birth_date = models.DateField(_("birth date"))
    guardian_name = models.CharField(_("guardian's name"), max_length=40, blank=True)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=11, blank=True)
    guardian_consent_at = models.DateTimeField(_("guardian's consent given at"), null=True, blank=True)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    area = models.ForeignKey("org.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("area"))
    availability = models.CharField(_("availability"), max_length=100, blank=True)
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: dt.date) -> int:
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def phone_masked(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]}"


class Membership(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["volunteer", "organisation"], name="vol_membership_once")]

    def __str__(self) -> str:
        return f"{self.volunteer_id}@{self.organisation_id}"


class Project(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(_("name"), max_length=100)
    theme = models.CharField(_("theme"), max_length=16, choices=Theme.choices)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("volunteer project")

    def __str__(self) -> str:
        return self.name


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("Open for sign-up")
    CANCELLED = "cancelled", _("Cancelled")


class Activity(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="activities")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="activities")
    theme = models.CharField(_("theme"), max_length=16, choices=Theme.choices, editable=False)
    title = models.CharField(_("title"), max_length=120)
    place = models.CharField(_("place"), max_length=200)
    lng = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    radius_m = models.PositiveIntegerField(_("check-in radius (m)"), default=300)
    area = models.ForeignKey("org.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    slots = models.PositiveIntegerField(_("slots"))
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=0)
    requirements = models.TextField(_("requirements"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.OPEN)
    # Called for by the platform's needs: a cluster of open cases (one of them here, all in ActivityCase) or a task.
    source_case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    source_task = models.ForeignKey("campaign.Task", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["status", "starts_at"], name="vol_activity_calendar_idx")]
        verbose_name = _("volunteer activity")

    def __str__(self) -> str:
        return self.title


class ActivityCase(models.Model):
    """A case tied to an activity: one of the cluster it was called for, or one a volunteer reported there."""

    class Link(models.TextChoices):
        NEED = "need", _("Called for by this case")
        REPORTED = "reported", _("Reported during the activity")

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="case_links")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    link = models.CharField(max_length=12, choices=Link.choices)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "case"], name="vol_activity_case_once")]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.case_id}"


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class SignUp(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    status = models.CharField(_("status"), max_length=12, choices=SignUpStatus.choices)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["activity", "volunteer"], name="vol_signup_once")]
        indexes = [models.Index(fields=["activity", "status", "created_at"], name="vol_signup_queue_idx")]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.volunteer_id} {self.status}"


class CheckIn(models.Model):
    """On site: one per sign-up (a repeated scan answers the same row)."""

    signup = models.OneToOneField(SignUp, on_delete=models.PROTECT, related_name="checkin")
    in_at = models.DateTimeField()
    in_lng = models.FloatField()
    in_lat = models.FloatField()
    out_at = models.DateTimeField(null=True, blank=True)
    out_lng = models.FloatField(null=True, blank=True)
    out_lat = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.signup_id} {self.in_at:%Y-%m-%d %H:%M}"


class RecordState(models.TextChoices):
    RECORDED = "recorded", _("Recorded, to be confirmed")
    CONFIRMED = "confirmed", _("Confirmed by the organiser")


class ServiceRecord(models.Model):
    """The hours of one sign-up: counted once (one record per sign-up), confirmed by the organiser, corrected only
    with a reason (``HoursCorrection``)."""

    signup = models.OneToOneField(SignUp, on_delete=models.PROTECT, related_name="record")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="records")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="records")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="records")
    area_path = models.CharField(max_length=255, editable=False)
    theme = models.CharField(max_length=16, choices=Theme.choices)
    service_date = models.DateField(_("service date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    state = models.CharField(_("state"), max_length=12, choices=RecordState.choices, default=RecordState.RECORDED)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-service_date", "-pk"]
        indexes = [models.Index(fields=["organisation", "service_date"], name="vol_record_org_day_idx"),
                   models.Index(fields=["volunteer", "service_date"], name="vol_record_volunteer_idx")]

    def __str__(self) -> str:
        return f"{self.service_date} {self.hours} h"


class HoursCorrection(models.Model):
    record = models.ForeignKey(ServiceRecord, on_delete=models.PROTECT, related_name="corrections")
    old_hours = models.DecimalField(max_digits=5, decimal_places=2)
    new_hours = models.DecimalField(max_digits=5, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.record_id}: {self.old_hours} → {self.new_hours}"


class DailyHours(models.Model):
    """Hours per day, organisation, area (the activity's, so one organisation's activities in two districts count
    in each) and theme: what the statistics page adds up (a year of a city is some 10⁵ rows
    where the records are 10⁶ and more). Changed only beside the record it counts, in the same transaction."""

    day = models.DateField()
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(max_length=255)
    theme = models.CharField(max_length=16, choices=Theme.choices)
    records = models.PositiveIntegerField(default=0)
    hours = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    confirmed_hours = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "organisation", "area_path", "theme"],
                                               name="vol_daily_once_per_area")]
        indexes = [models.Index(fields=["day", "area_path"], name="vol_daily_day_area_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.organisation_id} {self.theme}"


class EventAction(models.TextChoices):
    ORGANISATION_CREATED = "organisation_created", _("Organisation created")
    PROJECT_CREATED = "project_created", _("Project created")
    REGISTERED = "registered", _("Registered")
    JOINED = "joined", _("Joined an organisation")
    ACTIVITY_CREATED = "activity_created", _("Activity created")
    ACTIVITY_CANCELLED = "activity_cancelled", _("Activity cancelled")
    SIGNED_UP = "signed_up", _("Signed up")
    WAITLISTED = "waitlisted", _("Put on the waiting list")
    PROMOTED = "promoted", _("Moved up from the waiting list")
    SIGNUP_CANCELLED = "signup_cancelled", _("Sign-up cancelled")
    CHECKED_IN = "checked_in", _("Checked in")
    CHECKED_OUT = "checked_out", _("Checked out, hours recorded")
    HOURS_CONFIRMED = "hours_confirmed", _("Hours confirmed")
    HOURS_CORRECTED = "hours_corrected", _("Hours corrected")
    HOURS_RECORDED = "hours_recorded", _("Hours recorded by the organiser (no check-out)")
    CASE_REPORTED = "case_reported", _("Problem reported (随手拍)")
    ORGANISATION_UPDATED = "organisation_updated", _("Organisation edited")
    PROJECT_UPDATED = "project_updated", _("Project edited")
    TEAM_CREATED = "team_created", _("Team created")
    TEAM_RENAMED = "team_renamed", _("Team renamed")
    MEMBERSHIP_TEAM_SET = "membership_team_set", _("Member's team changed")


class VolunteerEvent(models.Model):
    """Append-only: who did what to which volunteer, activity, sign-up or record, and when."""

    action = models.CharField(max_length=24, choices=EventAction.choices)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    record = models.ForeignKey(ServiceRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    note = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"
