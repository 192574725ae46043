"""One error body for every refusal: `{"code", "message", "errors"}`, in the site's language.

The services' `TransitionRefused` and Django's `ValidationError` become 400 with the same
zh-hans reasons the admin shows; DRF's own errors (authentication, scope, bad JSON) keep their
status and get the same shape, so a caller parses one format.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from applications.services.errors import TransitionRefused


class IdempotencyConflict(exceptions.APIException):
    """The same idempotency key (or reference) came back with a different request body."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_conflict"
    default_detail = gettext_lazy("幂等键已用于内容不同的请求。")


def _label(serializer, field: str) -> str:
    """The name users see for an input field (申请容量(kVA)), as the admin's form shows it."""
    fields = getattr(serializer, "fields", None)
    if fields is None or field not in fields:
        return field
    return str(fields[field].label or field)


def _flatten(detail, serializer=None, prefix: str = "") -> list[str]:
    """DRF's nested error detail as "字段：消息" lines, with the fields' Chinese labels."""
    if isinstance(detail, dict):
        lines = []
        for field, value in detail.items():
            if field in ("non_field_errors", "__all__"):
                lines += _flatten(value, None, prefix)
                continue
            name = _label(serializer, field)
            child = serializer.fields[field] if serializer and field in serializer.fields else None
            nested = f"{prefix}{name}·" if isinstance(value, dict) else prefix + name
            lines += _flatten(value, child, nested)
        return lines
    if isinstance(detail, list):
        return [line for item in detail for line in _flatten(item, serializer, prefix)]
    text = str(detail)
    return [f"{prefix}：{text}" if prefix else text]


def body(code: str, message: str, errors: list[str] | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or []}


def refused_response(exc: TransitionRefused) -> Response:
    return Response(body("refused", exc.message, exc.reasons), status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    if isinstance(exc, TransitionRefused):
        return refused_response(exc)
    if isinstance(exc, DjangoValidationError):
        errors = _flatten(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        return Response(
            body("invalid", _("提交的数据有误：") + "；".join(errors), errors),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到。"))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        serializer = getattr(context.get("view"), "input_serializer", None)
        errors = _flatten(exc.detail, serializer)
        response.data = body("invalid", _("提交的数据有误：") + "；".join(errors), errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = body(str(code), str(detail))
    return response


@csrf_exempt
def not_found(request, *args, **kwargs) -> JsonResponse:
    """Unknown paths under /api/ (e.g. a malformed id): a JSON 404 a client can parse."""
    return JsonResponse(body("not_found", _("未找到。")), status=404)
