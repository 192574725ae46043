"""DRF authentication by system token, and the permission that checks an endpoint's scope."""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from . import tokens


class SystemTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`; request.user is the system's staff account,
    request.auth its `ApiToken` (with `.client`)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("令牌格式错误：应为 Authorization: Bearer <令牌>。")
            )
        token = tokens.authenticate(header[1])
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效、已吊销或接入系统已停用。"))
        user = token.client.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("接入系统的代办账号已停用。"))
        return user, token

    def authenticate_header(self, request):
        return self.keyword


class SystemTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.SystemTokenAuthentication"
    name = "systemToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "接入系统令牌"}


class HasScope(permissions.BasePermission):
    """The view's `required_scope` must be among the calling system's scopes."""

    def has_permission(self, request, view):
        token = request.auth
        if token is None or not hasattr(token, "client"):
            return False
        scope = getattr(view, "required_scope", None)
        if scope and not token.client.has_scope(scope):
            self.message = _("接入系统%(client)s未获授权“%(scope)s”。") % {
                "client": token.client,
                "scope": scope,
            }
            return False
        return True
