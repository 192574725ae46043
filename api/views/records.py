"""Records other systems send: first contacts, metering, outage decisions, complaints.

Each is the data a 线外流转 rule or a clock reads (monitoring.supervision.rules,
monitoring.complaints); each write runs in one transaction and is idempotent by the sender's
own reference, so a retried call never records twice.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError as InputError
from rest_framework.response import Response

from applications.models import Application, Customer, MeteringRecord
from applications.services.errors import TransitionRefused
from monitoring import deadlines
from monitoring.complaints import receive_complaint
from monitoring.models import Complaint, CustomerContact
from projects.models import OutagePlan
from projects.services import outages

from ..audit import AuditedView
from ..models import Scope, System
from ..serializers import (
    ComplaintInput,
    ComplaintOutput,
    ContactInput,
    ContactOutput,
    ErrorOutput,
    MeteringInput,
    MeteringOutput,
    OutageDecisionInput,
    OutagePlanOutput,
)
from .applications import scoped_applications, unit_by_code, validated

COMPLAINT_CHANNEL = {System.APP: Complaint.Channel.APP}
ERRORS = {400: ErrorOutput, 401: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput}


def refuse_invalid(instance) -> None:
    """Run the model's checks; refuse with "字段名：原因" as the admin's form would show it."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        lines = []
        for field, messages in exc.message_dict.items():
            try:
                label = str(instance._meta.get_field(field).verbose_name)
            except FieldDoesNotExist:
                label = ""
            lines += [f"{label}：{m}" if label else m for m in messages]
        raise TransitionRefused(lines) from exc


def application_by_number(client, number: str, field: str = "application") -> Application:
    application = scoped_applications(client).filter(number=number).first()
    if application is None:
        raise InputError(
            {
                field: [
                    _("工单编号%(number)s不存在，或不属于本系统可办理的单位。") % {"number": number}
                ]
            }
        )
    return application


def customer_by_id(data: dict) -> Customer | None:
    number = (data.get("customer_id_number") or "").strip().upper()
    if not number:
        return None
    customer = Customer.objects.filter(id_type=data.get("customer_id_type"), id_number=number)
    found = customer.first()
    if found is None:
        raise InputError({"customer_id_number": [_("没有该证件号码的客户。")]})
    return found


def replayed(response: Response) -> Response:
    response["Idempotent-Replayed"] = "true"
    return response


class ContactCreateView(AuditedView):
    required_scope = Scope.CONTACTS_WRITE

    @extend_schema(
        operation_id="contact_create",
        summary="推送客户接触记录（95598来电、网上国网访问等）",
        description=(
            "首次接触早于受理过久是线外流转的信号（规则“首次接触早于受理”）。"
            "同一渠道同一外部编号只登记一次，重复推送返回原记录（200）。"
        ),
        request=ContactInput,
        responses={201: ContactOutput, 200: ContactOutput, **ERRORS},
    )
    def post(self, request):
        client = request.auth.client
        data = validated(self, ContactInput, request.data)
        reference = data["reference"].strip()
        existing = CustomerContact.objects.filter(
            channel=data["channel"], reference=reference
        ).first()
        if existing is not None:
            self.audit_result = _("重复推送，返回原记录 %(id)s") % {"id": existing.pk}
            return replayed(Response(self._out(existing)))
        application = (
            application_by_number(client, data["application"]) if data.get("application") else None
        )
        customer = customer_by_id(data)
        if application is None and customer is None:
            raise TransitionRefused(_("接触记录须关联业扩申请或客户。"))
        if data["contacted_at"] > timezone.now() + timezone.timedelta(minutes=5):
            raise InputError({"contacted_at": [_("接触时间不能晚于当前时间。")]})
        if data.get("unit"):
            unit = unit_by_code(data["unit"])
        else:
            unit = application.unit if application else customer.unit
        contact = CustomerContact(
            channel=data["channel"],
            contacted_at=data["contacted_at"],
            application=application,
            customer=customer or (application.customer if application else None),
            unit=unit,
            reference=reference,
            note=data.get("note", ""),
            recorded_by=client.user,
        )
        refuse_invalid(contact)
        try:
            with transaction.atomic():
                contact.save()
        except IntegrityError:
            # The same record delivered twice at once: the other delivery saved it first.
            existing = CustomerContact.objects.filter(
                channel=data["channel"], reference=reference
            ).first()
            if existing is None:
                raise
            self.audit_result = _("重复推送，返回原记录 %(id)s") % {"id": existing.pk}
            return replayed(Response(self._out(existing)))
        self.audit_result = _("接触记录 %(id)s") % {"id": contact.pk}
        return Response(self._out(contact), status=status.HTTP_201_CREATED)

    @staticmethod
    def _out(contact: CustomerContact) -> dict:
        return ContactOutput(
            {
                "id": contact.pk,
                "channel": contact.channel,
                "contacted_at": contact.contacted_at,
                "application": contact.application.number if contact.application_id else None,
                "reference": contact.reference,
            }
        ).data


class MeteringCreateView(AuditedView):
    required_scope = Scope.METERING_WRITE

    @extend_schema(
        operation_id="metering_record_create",
        summary="推送装表记录（电能表某日装表）",
        description=(
            "与装表记录导入相同：同一工单同一电能表只有一条记录，再次推送更新装表日期。"
            "装表早于系统送电是线外流转的信号（规则“装表早于系统送电”）。"
        ),
        request=MeteringInput,
        responses={201: MeteringOutput, 200: MeteringOutput, **ERRORS},
    )
    def post(self, request):
        client = request.auth.client
        data = validated(self, MeteringInput, request.data)
        application = application_by_number(client, data["application"])
        if data["installed_on"] > timezone.localdate():
            # The ledger import's own message for the same mistake.
            raise InputError({"installed_on": [_("日期晚于当前时间。")]})
        meter = data["meter_number"].strip()
        with transaction.atomic():
            record = (
                MeteringRecord.objects.select_for_update()
                .filter(application=application, source=MeteringRecord.Source.METERING)
                .filter(meter_number=meter)
                .first()
            )
            if record is None:
                record = MeteringRecord(
                    application=application,
                    meter_number=meter,
                    installed_on=data["installed_on"],
                    source=MeteringRecord.Source.METERING,
                    imported_at=timezone.now(),
                )
                refuse_invalid(record)
                try:
                    with transaction.atomic():
                        record.save()
                    result, code = "created", status.HTTP_201_CREATED
                except IntegrityError:
                    # A concurrent delivery of the same meter inserted it first: answer with it.
                    record = MeteringRecord.objects.get(
                        application=application,
                        source=MeteringRecord.Source.METERING,
                        meter_number=meter,
                    )
                    result, code = "unchanged", status.HTTP_200_OK
            elif record.installed_on != data["installed_on"]:
                record.installed_on, record.imported_at = data["installed_on"], timezone.now()
                record.save(update_fields=["installed_on", "imported_at"])
                result, code = "updated", status.HTTP_200_OK
            else:
                result, code = "unchanged", status.HTTP_200_OK
        self.audit_result = f"{result} {meter}"
        return Response(
            MeteringOutput(
                {
                    "id": record.pk,
                    "application": application.number,
                    "meter_number": record.meter_number,
                    "installed_on": record.installed_on,
                    "result": result,
                }
            ).data,
            status=code,
        )


class OutageDecisionView(AuditedView):
    required_scope = Scope.OUTAGES_DECIDE

    @extend_schema(
        operation_id="outage_plan_decide",
        summary="推送调控对停电计划的审批结果",
        description=(
            "批准（可给出批准时段，超出申请时段须写明理由）或驳回（须写明原因），与调控审批人在"
            "后台审批相同；接入系统的代办账号须为该工程单位调控中心的审批人。"
            "同一结果重复推送返回当前计划（200）。"
        ),
        request=OutageDecisionInput,
        responses={200: OutagePlanOutput, **ERRORS},
    )
    def post(self, request, pk: int):
        client = request.auth.client
        plan = get_object_or_404(OutagePlan.objects.select_related("project"), pk=pk)
        data = validated(self, OutageDecisionInput, request.data)
        approve = data["decision"] == "approve"
        done = OutagePlan.Status.APPROVED if approve else OutagePlan.Status.REJECTED
        if plan.status == done and plan.decided_by_id == client.user.pk:
            self.audit_result = _("重复推送，计划已是“%(status)s”") % {
                "status": plan.get_status_display()
            }
            return replayed(Response(self._out(plan)))
        at = data.get("decided_at")
        if approve:
            plan = outages.approve(
                user=client.user,
                plan=plan,
                start=data.get("approved_start"),
                end=data.get("approved_end"),
                note=data.get("note", ""),
                at=at,
            )
        else:
            plan = outages.reject(user=client.user, plan=plan, reason=data.get("note", ""), at=at)
        self.audit_result = plan.get_status_display()
        return Response(self._out(plan))

    @staticmethod
    def _out(plan: OutagePlan) -> dict:
        return OutagePlanOutput(
            {
                "id": plan.pk,
                "project": plan.project.number,
                "status": plan.status,
                "status_label": plan.get_status_display(),
                "approved_start": plan.approved_start,
                "approved_end": plan.approved_end,
                "decided_at": plan.decided_at,
                "decision_note": plan.decision_note,
            }
        ).data


class ComplaintCreateView(AuditedView):
    required_scope = Scope.COMPLAINTS_WRITE

    @extend_schema(
        operation_id="complaint_create",
        summary="推送95598投诉（或举报）",
        description=(
            "与员工录入相同（monitoring.complaints.receive_complaint）：生成编号并开始处理时限"
            "（默认10个工作日）。同一95598工单号重复推送返回原记录（200）。"
        ),
        request=ComplaintInput,
        responses={201: ComplaintOutput, 200: ComplaintOutput, **ERRORS},
    )
    def post(self, request):
        client = request.auth.client
        data = validated(self, ComplaintInput, request.data)
        application = (
            application_by_number(client, data["application"]) if data.get("application") else None
        )
        customer = customer_by_id(data)
        unit = unit_by_code(data["unit"]) if data.get("unit") else None
        complaint, created = receive_complaint(
            kind=data["kind"],
            channel=COMPLAINT_CHANNEL.get(client.system, Complaint.Channel.HOTLINE_95598),
            received_at=data["received_at"],
            content=data["content"],
            category=data["category"],
            unit=unit,
            customer=customer,
            application=application,
            external_ref=data["external_ref"],
            reporter_name=data.get("reporter_name", ""),
            reporter_phone=data.get("reporter_phone", ""),
            reporter_contact=data.get("reporter_contact", ""),
            by=None,
        )
        clock = deadlines.open_for(complaint)
        body = ComplaintOutput(
            {
                "number": complaint.number,
                "kind": complaint.kind,
                "status": complaint.status,
                "received_at": complaint.received_at,
                "due_at": clock.due_at if clock else None,
            }
        ).data
        if not created:
            self.audit_result = _("重复推送，返回原记录 %(number)s") % {"number": complaint.number}
            return replayed(Response(body))
        self.audit_result = complaint.number
        return Response(body, status=status.HTTP_201_CREATED)


__all__ = [
    "ComplaintCreateView",
    "ContactCreateView",
    "MeteringCreateView",
    "OutageDecisionView",
]
