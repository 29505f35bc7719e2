"""``Authorization: Token <key>`` for systems; the key acts as its person, with that person's scope."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from wenming.api.services.keys import api_key_check


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Give the key after the word Token, with no spaces in it."))
        key = api_key_check(parts[1].decode(errors="replace"))
        if key is None or key.person is None:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API key."))
        return key.person, key

    def authenticate_header(self, request):
        return self.keyword


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "wenming.api.auth.ApiKeyAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "Token <key>, the key an administrator issued (API keys in the admin)."}
