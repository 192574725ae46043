"""Applications: create (idempotent), read with stage clocks, and the change feed."""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from applications.models import Application, Customer, Unit
from applications.privacy import mask_phone
from applications.services.acceptance import accept_application
from applications.states import Channel, State
from monitoring.timeline import clock_timeline

from .. import changes
from ..audit import AuditedView
from ..errors import IdempotencyConflict
from ..models import ApiClient, IdempotencyKey, Scope, System
from ..serializers import ApplicationInput, ApplicationOutput, ChangesOutput, ErrorOutput

ENDPOINT = "applications.create"
# The channel an application arrives through when the caller does not say.
SYSTEM_CHANNEL = {System.HOTLINE_95598: Channel.HOTLINE, System.APP: Channel.APP}

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "重试时带上同一键值，返回第一次创建的申请，不重复建单（或在请求体中给出 reference）"
    ),
)


def validated(view, serializer_class, data) -> dict:
    """Check the input's form; errors carry the fields' Chinese labels (see api.errors)."""
    view.input_serializer = serializer_class(data=data)
    view.input_serializer.is_valid(raise_exception=True)
    return view.input_serializer.validated_data


def scoped_applications(client: ApiClient):
    """The applications the system's account may see (its unit, or every unit)."""
    return Application.objects.visible_to(client.user)


def unit_by_code(code: str, field: str = "unit") -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationError({field: [_("供电单位编码%(code)s不存在。") % {"code": code}]})
    return unit


def application_data(application: Application, client: ApiClient) -> dict:
    reference = (
        IdempotencyKey.objects.filter(
            client=client, application=application, kind=IdempotencyKey.Kind.REFERENCE
        )
        .values_list("key", flat=True)
        .first()
    )
    clocks = [
        {
            "stage": row.clock.stage,
            "stage_label": row.clock.get_stage_display(),
            "started_at": row.clock.started_at,
            "warn_at": row.clock.warn_at,
            "due_at": row.clock.due_at,
            "stopped_at": row.clock.stopped_at,
            "outcome": row.clock.outcome,
            "paused": row.clock.paused_at is not None,
            "counts_against_company": row.clock.counts_against_company,
            "limit": (
                f"{row.clock.limit_value} {row.clock.get_limit_unit_display()}"
                if row.clock.limit_value is not None
                else ""
            ),
            "used_working_days": row.used_working_days,
            "remaining_working_days": row.remaining_working_days,
            "colour": row.colour,
            "status": row.status,
        }
        for row in clock_timeline(application)
    ]
    # Through the output serializer, so the body is exactly what the schema documents.
    return ApplicationOutput(
        {
            "number": application.number,
            "reference": reference or "",
            "state": application.state,
            "state_label": State(application.state).label,
            "state_changed_at": application.state_changed_at,
            "channel": application.channel,
            "unit": application.unit.code,
            "customer_name": application.customer.name,
            # Other systems get the phone masked, as staff lists show it (applications.privacy).
            "customer_phone": mask_phone(application.customer.phone),
            "customer_class": application.customer_class,
            "business_type": application.business_type,
            "requested_capacity_kva": application.requested_capacity_kva,
            "supply_voltage": application.supply_voltage,
            "accepted_at": application.accepted_at,
            "energized_at": application.energized_at,
            "archived_at": application.archived_at,
            "clocks": clocks,
        }
    ).data


def _digest(data) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


class ApplicationCreateView(AuditedView):
    required_scope = Scope.APPLICATIONS_WRITE

    @extend_schema(
        operation_id="application_create",
        summary="提交用电申请（受理登记）",
        description=(
            "与营业厅受理登记相同：建档客户（按证件号码沿用已有客户）、生成工单编号、受理时限开始"
            "计时、记录受理渠道。幂等：同一 reference 或 Idempotency-Key 重复提交返回同一申请"
            "（200，响应头 Idempotent-Replayed: true）；同一键值而内容不同返回 422。"
        ),
        parameters=[IDEMPOTENCY_HEADER],
        request=ApplicationInput,
        responses={
            201: ApplicationOutput,
            200: OpenApiResponse(ApplicationOutput, description="重复请求：返回第一次创建的申请"),
            400: ErrorOutput,
            401: ErrorOutput,
            403: ErrorOutput,
            422: ErrorOutput,
        },
    )
    def post(self, request):
        client = request.auth.client
        self.input_serializer = ApplicationInput()  # its labels name the fields in errors
        keys = []
        reference = request.data.get("reference") if isinstance(request.data, dict) else None
        if isinstance(reference, str) and reference.strip():
            keys.append((IdempotencyKey.Kind.REFERENCE, reference.strip()[:100]))
        header = request.headers.get("Idempotency-Key", "").strip()
        if header:
            keys.append((IdempotencyKey.Kind.HEADER, header[:100]))
        if not keys:
            raise ValidationError(
                {
                    "reference": [
                        _(
                            "请提供外部编号（reference）或 Idempotency-Key 请求头，"
                            "以免重试时重复建单。"
                        )
                    ]
                }
            )
        digest = _digest(request.data)
        replay = self._replay(client, keys, digest)
        if replay is not None:
            return replay
        data = validated(self, ApplicationInput, request.data)
        try:
            application = self._create(client, keys, digest, data)
        except IntegrityError:
            # A concurrent call with the same key committed first: answer as a retry would.
            replay = self._replay(client, keys, digest)
            if replay is None:
                raise
            return replay
        self.audit_result = _("受理 %(number)s") % {"number": application.number}
        return Response(application_data(application, client), status=status.HTTP_201_CREATED)

    def _replay(self, client, keys, digest) -> Response | None:
        for kind, key in keys:
            found = (
                IdempotencyKey.objects.filter(client=client, endpoint=ENDPOINT, kind=kind, key=key)
                .select_related("application")
                .first()
            )
            if found is None:
                continue
            if found.body_digest != digest:
                raise IdempotencyConflict(
                    _(
                        "%(kind)s“%(key)s”已用于内容不同的申请（工单编号 %(number)s），"
                        "不能重复使用。"
                    )
                    % {
                        "kind": found.get_kind_display(),
                        "key": key,
                        "number": found.application.number,
                    }
                )
            self.audit_result = _("重复请求，返回原申请 %(number)s") % {
                "number": found.application.number
            }
            response = Response(application_data(found.application, client))
            response["Idempotent-Replayed"] = "true"
            return response
        return None

    @transaction.atomic
    def _create(self, client, keys, digest, data) -> Application:
        # The keys go in first: a concurrent retry blocks on their unique index until this
        # transaction ends, then fails and replays (or, if this one rolled back, proceeds).
        rows = [
            IdempotencyKey.objects.create(
                client=client, endpoint=ENDPOINT, kind=kind, key=key, body_digest=digest
            )
            for kind, key in keys
        ]
        unit = unit_by_code(data["unit"])
        person = data["customer"]
        customer = Customer.objects.filter(
            id_type=person["id_type"], id_number=person["id_number"].strip().upper()
        ).first() or Customer(unit=unit, **person)
        application = accept_application(
            user=client.user,
            customer=customer,
            received_materials=data.get("received_materials", []),
            comment=_("%(system)s接口提交") % {"system": client},
            unit=unit,
            channel=data.get("channel") or SYSTEM_CHANNEL.get(client.system, Channel.APP),
            customer_class=data["customer_class"],
            business_type=data["business_type"],
            requested_capacity_kva=data["requested_capacity_kva"],
            supply_voltage=data["supply_voltage"],
            site_address=data["site_address"],
            is_small_micro=data["is_small_micro"],
            note=data.get("note", ""),
        )
        for row in rows:
            row.application = application
            row.save(update_fields=["application"])
        return application


class ApplicationDetailView(AuditedView):
    required_scope = Scope.APPLICATIONS_READ

    @extend_schema(
        operation_id="application_read",
        summary="读取申请及各环节时限",
        responses={200: ApplicationOutput, 401: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput},
    )
    def get(self, request, number: str):
        client = request.auth.client
        application = get_object_or_404(
            scoped_applications(client).select_related("customer", "unit"), number=number
        )
        self.audit_result = application.number
        return Response(application_data(application, client))


class ChangesView(AuditedView):
    required_scope = Scope.APPLICATIONS_READ

    @extend_schema(
        operation_id="changes_list",
        summary="增量同步：游标之后变更过的申请",
        description=(
            "按提交顺序返回游标之后的变更（新建、环节流转、修改），每条一个游标；"
            "下次以 next_cursor 继续。游标只增不减，已返回的游标之前不会再出现新的变更。"
            "变更只是通知：请按工单编号读取申请的当前数据。不带 cursor 从头开始。"
        ),
        parameters=[
            OpenApiParameter(
                "cursor", OpenApiTypes.STR, required=False, description="上次的 next_cursor"
            ),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, required=False, description="每页条数，1–500，缺省100"
            ),
        ],
        responses={200: ChangesOutput, 400: ErrorOutput, 401: ErrorOutput, 403: ErrorOutput},
    )
    def get(self, request):
        client = request.auth.client
        raw_limit = request.query_params.get("limit", "100")
        try:
            limit = int(raw_limit)
        except ValueError:
            limit = 0
        if not 1 <= limit <= changes.MAX_LIMIT:
            raise ValidationError({"limit": [_("每页条数须为1到500之间的整数。")]})
        cursor = request.query_params.get("cursor")
        page = changes.since(cursor, limit=limit, applications=scoped_applications(client))
        self.audit_result = _("%(count)s条变更") % {"count": len(page.changes)}
        return Response(
            ChangesOutput(
                {
                    "changes": [
                        {
                            "cursor": changes.encode(row.txid, row.pk),
                            "number": row.application.number,
                            "state": row.state,
                            "created": row.created,
                            "at": row.at,
                        }
                        for row in page.changes
                    ],
                    "next_cursor": page.next_cursor,
                    "has_more": page.has_more,
                }
            ).data
        )
