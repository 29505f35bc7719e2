"""Responses with personal data are never stored by a browser or a proxy, and a staff session ends after a
working day without activity.

``no-store`` goes on every page that read a non-empty session (every page a logged-in person sees asks who they
are; a citizen's verified phone, the reports made from this browser), every tracking page (the code is the
citizen's key) and every REST and Open311 answer, unless the view declared the response public
(``Cache-Control: public``: the exposure board's published photos). Static files are answered by WhiteNoise before
this runs and keep their long caching.

Sessions last ``SESSION_COOKIE_AGE`` (8 hours) from the last activity: the session is saved again, which moves its
expiry and the cookie's, at most once every ``WENMING_SESSION_REFRESH_SECONDS`` rather than on every request.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

SEEN = "_wenming_seen"
PRIVATE_PREFIXES = ("/citizen/track/", "/api/", "/open311/")


def _declared_public(response) -> bool:
    directives = {part.strip().split("=")[0].lower() for part in response.get("Cache-Control", "").split(",")}
    return "public" in directives


class PrivateResponsesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Only what the view read: asking for request.user here would load the session for pages that never look
        # at it, and would start a session for each request an API key signed (no cookie).
        session = getattr(request, "session", None)
        read_session = session is not None and session.accessed and not session.is_empty()
        if read_session and request.user.is_authenticated:
            self._keep_alive(session)
        if (read_session or request.path.startswith(PRIVATE_PREFIXES)) and not _declared_public(response):
            response["Cache-Control"] = "private, no-store"
        return response

    @staticmethod
    def _keep_alive(session) -> None:
        now = int(timezone.now().timestamp())
        seen = session.get(SEEN)
        if not isinstance(seen, int) or now - seen >= settings.WENMING_SESSION_REFRESH_SECONDS:
            session[SEEN] = now  # modified: saved with a new expiry, and the cookie sent again


def session_seen_on_login(sender, request, user, **kwargs) -> None:
    """A login saves the session anyway: mark it seen then, so that the next request need not save it again."""
    if getattr(request, "session", None) is not None:
        request.session[SEEN] = int(timezone.now().timestamp())
