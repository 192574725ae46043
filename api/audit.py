"""The audit of every call: a base view that times the call and writes an `ApiCall` row.

The row is written after the view's own transaction has committed or rolled back, so a refused
or failed call is recorded too (and the audit never makes a call fail).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.utils import timezone
from rest_framework.views import APIView

from .authentication import HasScope, SystemTokenAuthentication
from .models import ApiCall

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    header = settings.YEKUO_CLIENT_IP_HEADER
    return (request.META.get(header) if header else None) or request.META.get("REMOTE_ADDR", "")


class AuditedView(APIView):
    """Base of every integration endpoint: token authentication, scope check, audit row.

    A view sets `self.audit_result` to say what it did ("受理 2026…", "重复请求，返回原申请");
    errors are recorded with their message.
    """

    authentication_classes = [SystemTokenAuthentication]
    permission_classes = [HasScope]
    required_scope: str = ""

    def dispatch(self, request, *args, **kwargs):
        started, at = time.monotonic(), timezone.now()
        self.audit_result = ""
        response = super().dispatch(request, *args, **kwargs)
        try:
            self._audit(at, started, response)
        except Exception:  # the audit must never turn a done call into an error
            logger.exception("api audit row not written")
        return response

    def _audit(self, at, started, response) -> None:
        drf_request = self.request
        token = getattr(drf_request, "_auth", None)
        token = token if hasattr(token, "client_id") else None
        result = self.audit_result
        if response.status_code >= 400 and isinstance(getattr(response, "data", None), dict):
            result = str(response.data.get("message", ""))
        match = getattr(drf_request, "resolver_match", None)
        ApiCall.objects.create(
            client_id=token.client_id if token else None,
            token=token,
            at=at,
            method=drf_request.method,
            endpoint=(match.view_name if match else "")[:200],
            path=drf_request.get_full_path()[:300],
            status_code=response.status_code,
            result=result[:2000],
            duration_ms=int((time.monotonic() - started) * 1000),
            remote_addr=client_address(drf_request)[:64],
        )
