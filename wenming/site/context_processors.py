from django.conf import settings

from wenming.cases.models import RoutingRule
from wenming.cases.selectors import field_channels, notices_follows
from wenming.common.access import can, scope_for
from wenming.common.models import Notification
from wenming.credit.models import CreditRecord
from wenming.evaluation.models import Criterion
from wenming.inspections.models import Assignment, Patrol, Round, StorefrontCheck
from wenming.inspections.services.patrols import ROAD_CHIEF_SESSION_KEY
from wenming.scoring.models import ScoreSnapshot
from wenming.selections.models import VoteFlag
from wenming.volunteers.models import Activity as VolunteerActivity


def wenming(request):
    unread = 0
    can_route = can_score = can_notices = can_field = can_evaluate = can_rounds = can_inspect = False
    can_storefronts = False
    can_patrol = can_patrols = can_configure = False
    can_review_votes = False
    can_credit = False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        unread = Notification.objects.filter(recipient=user, channel="in_app", read_at__isnull=True).count()
        # The nav offers only what the person may open (the same checks the pages make).
        can_route = can(user, RoutingRule)
        can_score = can(user, ScoreSnapshot)
        can_notices = notices_follows(user)
        can_field = bool(field_channels(user))  # grid workers and inspectors report from the phone page
        can_evaluate = can(user, Criterion)
        can_rounds = can(user, Round)  # office roles: the released rounds (planners: all)
        can_inspect = can(user, Assignment) and not can_rounds  # the inspectors' own days
        can_storefronts = can(user, StorefrontCheck)  # 门前五包: office roles in scope and grid workers
        can_patrol = bool(request.session.get(ROAD_CHIEF_SESSION_KEY)) if hasattr(request, "session") else False
        can_patrols = can(user, Patrol)  # the road chiefs' log and indicators: the office roles in their scope
        can_review_votes = can(user, VoteFlag)  # the public vote's flagged groups: the command centre, admins
        can_credit = can(user, CreditRecord)  # 信用信息: every office role (published records at least)
        can_configure = scope_for(user).is_staff  # the admin site's own test: any role in Wenming
    return {
        "UNREAD_NOTIFICATIONS": unread,
        "NAV_CAN_ROUTE": can_route,
        "NAV_CAN_SCORE": can_score,
        "NAV_CAN_NOTICES": can_notices,
        "NAV_CAN_FIELD_REPORT": can_field,
        "NAV_CAN_EVALUATE": can_evaluate,
        "NAV_CAN_ROUNDS": can_rounds,
        "NAV_CAN_INSPECT": can_inspect,
        "NAV_CAN_STOREFRONTS": can_storefronts,
        "NAV_CAN_PATROL": can_patrol,
        "NAV_CAN_PATROLS": can_patrols,
        "NAV_CAN_CONFIGURE": can_configure,
        "NAV_CAN_REVIEW_VOTES": can_review_votes,
        # Volunteer service (志愿服务): the organisers' pages (VOLUNTEER_ORGANISERS).
        "NAV_CAN_VOLUNTEERS": bool(user is not None and user.is_authenticated and can(user, VolunteerActivity)),
        "NAV_CAN_CREDIT": can_credit,
        "WENMING_CITY_NAME": settings.WENMING_CITY_NAME,
        "WENMING_DEMO": settings.DEMO,
        "WENMING_MAP_TILES": settings.WENMING_MAP_TILES,
    }
