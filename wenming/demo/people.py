"""People: a demo login for every role, printed by ``demo-logins``, and a grid worker for every responsibility
grid, who cannot log in until an administrator sets a password."""

from __future__ import annotations

from wenming.common.roles import Role
from wenming.demo.accounts import DEMO_PASSWORD
from wenming.demo.layout import BATCH
from wenming.demo.roads import SURNAMES
from wenming.demo.state import CityBuild
from wenming.org.models import Person, ResponsibilityGrid, RoleAssignment


def people_create(build: CityBuild) -> None:
    taocheng = build.counties["131102"]
    first_street = next(s for s in build.streets.values() if s.parent_id == taocheng.id)
    first_community = build.communities[build.street_community_codes[first_street.code][0]]
    demo = [
        ("admin", "系统管理员", Role.ADMIN, None, build.city, build.units["CMD"]),
        ("shouli", "受理员 刘敏", Role.INTAKE, None, build.city, build.units["CMD"]),
        ("zhiban", "值班长 王强", Role.SHIFT_LEADER, None, build.city, build.units["CMD"]),
        ("paiqian", "派遣员 赵丽", Role.DISPATCHER, None, build.city, build.units["CMD"]),
        ("chengguan", "城管处置员 孙杰", Role.UNIT_HANDLER, build.units["CGJ-131102"], None, build.units["CGJ-131102"]),
        ("chengguan_lead", "城管分局 周局长", Role.UNIT_LEADER, build.units["CGJ-131102"], None, build.units["CGJ-131102"]),
        ("gongdian", "供电公司 吴工", Role.UNIT_HANDLER, build.units["POWER"], None, build.units["POWER"]),
        ("jiedao", f"{first_street.name} 郑主任", Role.UNIT_LEADER, build.offices[first_street.id], None, build.offices[first_street.id]),
        ("taocheng", "桃城区 陈区长", Role.AREA_LEADER, None, taocheng, build.govs[taocheng.id]),
        ("wangge", f"{first_community.name}网格员 李娜", Role.GRID_WORKER, None, first_community, build.offices[first_street.id]),
        ("anfang", "第三方暗访员 A01", Role.INSPECTOR, None, build.city, None),
        # The evaluation office (测评办) sits in the civilisation office; its scope is that unit, its criteria the
        # whole framework (evaluation access rules).
        ("ceping", "市文明办测评办 林悦", Role.EVAL_OFFICE, build.units["WMB"], None, build.units["WMB"]),
    ]
    people, assignments = [], []
    for username, display, role, _unit_scope, _area_scope, member_of in demo:
        people.append(Person(username=username, display_name=display, password=build.password, unit=member_of,
                             is_staff=True, is_superuser=False))
        build.logins.append((username, DEMO_PASSWORD, str(Role(role).label)))
    people = Person.objects.bulk_create(people)
    for person, (_u, _d, role, unit_scope, area_scope, _m) in zip(people, demo, strict=True):
        assignments.append(RoleAssignment(person=person, role=role, unit=unit_scope, area=area_scope))
    # One grid worker per responsibility grid, who cannot log in until an administrator sets a password.
    workers = []
    rgrids = list(build.rgrids.values())
    for i, rgrid in enumerate(rgrids):
        workers.append(Person(username=f"gw{rgrid.code}", display_name=f"{build.rng.choice(SURNAMES)}网格员",
                              password="!", unit=build.offices[build.community_by_id(rgrid.community_id).parent_id],
                              phone=f"15{build.rng.randrange(10**8, 10**9)}"))
        if len(workers) >= BATCH or i == len(rgrids) - 1:
            created = Person.objects.bulk_create(workers)
            through = ResponsibilityGrid.workers.through
            through.objects.bulk_create(
                [through(responsibilitygrid_id=rgrids[i - len(created) + 1 + j].id, person_id=p.id) for j, p in enumerate(created)]
            )
            assignments.extend(
                RoleAssignment(person=p, role=Role.GRID_WORKER, area_id=rgrids[i - len(created) + 1 + j].community_id)
                for j, p in enumerate(created)
            )
            workers = []
    RoleAssignment.objects.bulk_create(assignments, batch_size=BATCH)
    build.counts["people"] = Person.objects.count()
