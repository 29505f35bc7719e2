"""The demo's volunteer service: organisations hosted by the city's practice centres, institutes and stations
(新时代文明实践中心/所/站, the demo's sites) and a school; volunteers (a few minors with their guardian's consent);
projects of each theme; activities last week (served, hours recorded, most confirmed), one running now near the
first practice centre (the demo volunteer is signed up and can check in there) and some next week; three teams on
the organisation with most members, its members in them. Everything goes
through the services, with the clock set to when it happened."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Count
from django.utils import timezone

from wenming.org.models import Area, Person, Site
from wenming.volunteers.models import HostKind, Membership, Organisation, Project, Theme, Volunteer
from wenming.volunteers.services.activities import ActivityValues, activity_create, signup_create
from wenming.volunteers.services.checkins import checkin_record, checkout_record
from wenming.volunteers.services.hours import service_record_step
from wenming.volunteers.services.organisations import membership_team_set, team_create
from wenming.volunteers.services.registration import ID_CHECK, ID_WEIGHTS, volunteer_register

DEMO_VOLUNTEER_PHONE = "13800138001"
HOSTS = (("practice_centre", HostKind.PRACTICE_CENTRE, 2), ("practice_institute", HostKind.PRACTICE_INSTITUTE, 3),
         ("practice_station", HostKind.PRACTICE_STATION, 3))
TITLES = {Theme.TRAFFIC: "路口文明交通劝导", Theme.HAND_IN_HAND: "小手拉大手文明实践课堂", Theme.CLEAN: "清洁家园集中清扫",
          Theme.CARE: "关爱空巢老人走访", Theme.PUBLICITY: "文明城市创建宣传"}
TEAM_NAMES = ("文明交通劝导分队", "清洁家园分队", "关爱帮扶分队")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def _id_number(rng: random.Random, born: dt.date) -> str:
    first = f"131102{born:%Y%m%d}{rng.randrange(100, 999)}"
    return first + ID_CHECK[sum(int(c) * w for c, w in zip(first, ID_WEIGHTS, strict=True)) % 11]


def volunteers_demo_build(*, seed: int = 7) -> dict[str, int]:
    if Organisation.objects.exists():
        return {"organisations": Organisation.objects.count()}
    rng = random.Random(seed)
    now = timezone.now()
    organisations: list[Organisation] = []
    for type_code, kind, count in HOSTS:
        for site in Site.objects.filter(site_type__code=type_code).select_related("area").order_by("code")[:count]:
            area = site.area or Area.objects.filter(parent__isnull=True).first()
            organisations.append(Organisation.objects.create(
                name=f"{site.name}志愿服务队", host_kind=kind, site=site, area=area, area_path=area.path,
                requires_real_name=kind != HostKind.PRACTICE_STATION))
    school = Site.objects.filter(site_type__code="school").select_related("area").order_by("code").first()
    if school is not None and school.area_id:
        organisations.append(Organisation.objects.create(
            name=f"{school.name}红领巾志愿服务队", host_kind=HostKind.SCHOOL, site=school, area=school.area,
            area_path=school.area.path, requires_real_name=False))
    if not organisations:
        return {"organisations": 0}
    admin = Person.objects.filter(is_superuser=True).order_by("pk").first() or Person.objects.filter(
        username="zhiban").first()
    themes = list(TITLES)
    projects = [Project.objects.create(organisation=o, name=TITLES[themes[i % len(themes)]][-4:] + "项目",
                                       theme=themes[i % len(themes)]) for i, o in enumerate(organisations)]
    volunteers: list[Volunteer] = []
    for i in range(48):
        org = organisations[i % len(organisations)]
        minor = i % 16 == 5
        born = dt.date(2013, 4, 1) if minor else dt.date(1965 + rng.randrange(40), 1 + rng.randrange(12),
                                                          1 + rng.randrange(28))
        phone = DEMO_VOLUNTEER_PHONE if i == 0 else f"1380013{8100 + i:04d}"
        volunteers.append(volunteer_register(
            phone=phone, name="志愿者" + rng.choice(SURNAMES) + rng.choice(GIVEN) if i else "王志愿",
            birth_date=born, organisation_id=org.pk,
            id_number=_id_number(rng, born) if org.requires_real_name else "",
            guardian_name="家长" + rng.choice(SURNAMES) if minor else "",
            guardian_phone=f"1390013{8100 + i:04d}" if minor else "", guardian_consent=minor,
            skills=rng.choice(["急救", "摄影", "宣讲", "交通疏导", ""]), availability="周末",
            now=now - dt.timedelta(days=30)))
    counts = {"organisations": len(organisations), "volunteers": len(volunteers), "activities": 0, "records": 0}
    for n, project in enumerate(projects):
        org = project.organisation
        site = org.site
        lng, lat = (site.lng, site.lat) if site and site.lng is not None else (org.area.lng, org.area.lat)
        # Last week: served, checked in and out, most hours confirmed.
        day = timezone.localtime(now).replace(hour=9, minute=0, second=0, microsecond=0) - dt.timedelta(days=7 - n % 5)
        past = activity_create(actor=admin, now=day - dt.timedelta(days=3), values=ActivityValues(
            project_id=project.pk, title=TITLES[project.theme], place=site.name if site else org.name, lng=lng,
            lat=lat, starts_at=day, ends_at=day + dt.timedelta(hours=3), slots=12))
        team = [v for v in volunteers if v.memberships.filter(organisation=org).exists()] or volunteers[:6]
        for v in team[:8]:
            signup_create(volunteer_id=v.pk, activity_id=past.pk, now=day - dt.timedelta(days=2))
            checkin_record(volunteer_id=v.pk, activity_id=past.pk, lng=lng, lat=lat,
                           now=day + dt.timedelta(minutes=rng.randrange(-10, 20)))
            record = checkout_record(volunteer_id=v.pk, activity_id=past.pk, lng=lng, lat=lat,
                                     now=day + dt.timedelta(minutes=rng.randrange(90, 200)))
            counts["records"] += 1
            if rng.random() < 0.75:
                service_record_step(record_id=record.pk, actor=admin, action_key="confirm", expected_version=0,
                                    now=day + dt.timedelta(days=1))
        # Next week: open for sign-up.
        ahead = day + dt.timedelta(days=14)
        activity_create(actor=admin, values=ActivityValues(
            project_id=project.pk, title=TITLES[project.theme], place=site.name if site else org.name, lng=lng,
            lat=lat, starts_at=ahead, ends_at=ahead + dt.timedelta(hours=2), slots=10,
            min_age=16 if project.theme == Theme.TRAFFIC else 0))
        counts["activities"] += 2
    # Now: an activity running at the first organisation's site; the demo volunteer is signed up.
    first = projects[0]
    site = first.organisation.site
    running = activity_create(actor=admin, values=ActivityValues(
        project_id=first.pk, title="今日" + TITLES[first.theme], place=site.name if site else first.organisation.name,
        lng=site.lng if site else first.organisation.area.lng, lat=site.lat if site else first.organisation.area.lat,
        starts_at=now - dt.timedelta(minutes=30), ends_at=now + dt.timedelta(hours=4), slots=20, radius_m=500))
    signup_create(volunteer_id=volunteers[0].pk, activity_id=running.pk)
    counts["activities"] += 1
    counts["teams"] = _teams_build(actor=admin, now=now)
    return counts


def _teams_build(*, actor, now: dt.datetime) -> int:
    """Teams on the organisation with most members, its members dealt round them (one left without a team)."""
    biggest = Organisation.objects.annotate(members=Count("memberships")).order_by("-members", "pk").first()
    teams = [team_create(actor=actor, organisation_id=biggest.pk, name=name, now=now - dt.timedelta(days=20))
             for name in TEAM_NAMES]
    members = list(Membership.objects.filter(organisation=biggest).order_by("pk"))
    for i, membership in enumerate(members[:-1]):
        membership_team_set(actor=actor, membership_id=membership.pk, team_id=teams[i % len(teams)].pk,
                            now=now - dt.timedelta(days=19))
    return len(teams)
