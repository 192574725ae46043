"""Input and output shapes of the API. Inputs only check form (types, choices, lengths): the
services decide and refuse, with the same messages the admin shows."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from applications.models import Application, Customer, MeteringRecord
from applications.models.customer import CustomerKind, IdType
from applications.states import BusinessType, Channel, CustomerClass, SupplyVoltage
from monitoring.models import Complaint, ContactChannel, CustomerContact, StageClock


def _label(model, field: str):
    return model._meta.get_field(field).verbose_name


class ErrorOutput(serializers.Serializer):
    """The one error body (api.errors)."""

    code = serializers.CharField(label=_("错误代码"))
    message = serializers.CharField(label=_("错误说明"))
    errors = serializers.ListField(child=serializers.CharField(), label=_("逐条原因"))


# --- Create an application -----------------------------------------------------------------


class CustomerInput(serializers.Serializer):
    name = serializers.CharField(label=_label(Customer, "name"), max_length=200)
    kind = serializers.ChoiceField(label=_label(Customer, "kind"), choices=CustomerKind.choices)
    id_type = serializers.ChoiceField(label=_label(Customer, "id_type"), choices=IdType.choices)
    id_number = serializers.CharField(label=_label(Customer, "id_number"), max_length=40)
    contact_name = serializers.CharField(label=_label(Customer, "contact_name"), max_length=50)
    phone = serializers.CharField(label=_label(Customer, "phone"), max_length=30)
    address = serializers.CharField(label=_label(Customer, "address"), max_length=300)


class ApplicationInput(serializers.Serializer):
    reference = serializers.CharField(
        label=_("外部编号"),
        max_length=100,
        required=False,
        allow_blank=True,
        help_text=_("调用方系统中的申请编号；同一编号重复提交返回同一申请（幂等）"),
    )
    unit = serializers.SlugField(label=_("供电单位编码"), max_length=32)
    channel = serializers.ChoiceField(
        label=_label(Application, "channel"),
        choices=Channel.choices,
        required=False,
        help_text=_("缺省为调用系统对应的渠道（95598 → 95598，网上国网 → app）"),
    )
    customer = CustomerInput(label=_label(Application, "customer"))
    customer_class = serializers.ChoiceField(
        label=_label(Application, "customer_class"), choices=CustomerClass.choices
    )
    business_type = serializers.ChoiceField(
        label=_label(Application, "business_type"),
        choices=BusinessType.choices,
        default=BusinessType.NEW,
    )
    requested_capacity_kva = serializers.DecimalField(
        label=_label(Application, "requested_capacity_kva"), max_digits=10, decimal_places=1
    )
    supply_voltage = serializers.ChoiceField(
        label=_label(Application, "supply_voltage"), choices=SupplyVoltage.choices
    )
    site_address = serializers.CharField(label=_label(Application, "site_address"), max_length=300)
    is_small_micro = serializers.BooleanField(
        label=_label(Application, "is_small_micro"), default=False
    )
    received_materials = serializers.ListField(
        label=_("已收取的资料"),
        child=serializers.CharField(max_length=40),
        required=False,
        help_text=_("已在线收取的资料编码（如 identity）；其余资料为待收取"),
    )
    note = serializers.CharField(
        label=_label(Application, "note"), required=False, allow_blank=True, max_length=2000
    )


# --- Read an application -------------------------------------------------------------------


class ClockOutput(serializers.Serializer):
    stage = serializers.CharField(label=_("环节"))
    stage_label = serializers.CharField(label=_("环节名称"))
    started_at = serializers.DateTimeField(label=_("开始时间"))
    warn_at = serializers.DateTimeField(label=_("预警时间"), allow_null=True)
    due_at = serializers.DateTimeField(label=_("到期时间"), allow_null=True)
    stopped_at = serializers.DateTimeField(label=_("结束时间"), allow_null=True)
    outcome = serializers.ChoiceField(label=_("结果"), choices=StageClock.Outcome.choices)
    paused = serializers.BooleanField(label=_("暂停中"))
    counts_against_company = serializers.BooleanField(label=_("计入公司时限"))
    limit = serializers.CharField(label=_("时限"), allow_blank=True)
    used_working_days = serializers.IntegerField(label=_("已用工作日"))
    remaining_working_days = serializers.IntegerField(label=_("剩余工作日"), allow_null=True)
    colour = serializers.CharField(label=_("红黄绿"))
    status = serializers.CharField(label=_("状态"))


class ApplicationOutput(serializers.Serializer):
    number = serializers.CharField(label=_("工单编号"))
    reference = serializers.CharField(label=_("外部编号"), allow_blank=True)
    state = serializers.CharField(label=_("当前环节"))
    state_label = serializers.CharField(label=_("当前环节名称"))
    state_changed_at = serializers.DateTimeField(label=_("进入当前环节时间"), allow_null=True)
    channel = serializers.CharField(label=_("受理渠道"))
    unit = serializers.CharField(label=_("供电单位编码"))
    customer_name = serializers.CharField(label=_("户名"))
    customer_phone = serializers.CharField(label=_("联系电话（脱敏）"))
    customer_class = serializers.CharField(label=_("用电类别"))
    business_type = serializers.CharField(label=_("业务类型"))
    requested_capacity_kva = serializers.DecimalField(
        label=_("申请容量(kVA)"), max_digits=10, decimal_places=1
    )
    supply_voltage = serializers.CharField(label=_("供电电压"))
    accepted_at = serializers.DateTimeField(label=_("受理时间"))
    energized_at = serializers.DateTimeField(label=_("送电时间"), allow_null=True)
    archived_at = serializers.DateTimeField(label=_("归档时间"), allow_null=True)
    clocks = ClockOutput(many=True, label=_("环节时限"))


# --- Change feed ---------------------------------------------------------------------------


class ChangeOutput(serializers.Serializer):
    cursor = serializers.CharField(label=_("游标"))
    number = serializers.CharField(label=_("工单编号"))
    state = serializers.CharField(label=_("环节"))
    created = serializers.BooleanField(label=_("新建"))
    at = serializers.DateTimeField(label=_("时间"))


class ChangesOutput(serializers.Serializer):
    changes = ChangeOutput(many=True)
    next_cursor = serializers.CharField(label=_("下一游标"))
    has_more = serializers.BooleanField(label=_("还有更多"))


# --- Records from other systems ------------------------------------------------------------


class ContactInput(serializers.Serializer):
    channel = serializers.ChoiceField(
        label=_label(CustomerContact, "channel"), choices=ContactChannel.choices
    )
    contacted_at = serializers.DateTimeField(label=_label(CustomerContact, "contacted_at"))
    application = serializers.CharField(
        label=_("工单编号"), max_length=20, required=False, allow_blank=True
    )
    customer_id_type = serializers.ChoiceField(
        label=_label(Customer, "id_type"), choices=IdType.choices, required=False
    )
    customer_id_number = serializers.CharField(
        label=_label(Customer, "id_number"), max_length=40, required=False, allow_blank=True
    )
    unit = serializers.SlugField(
        label=_("供电单位编码"),
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=_("缺省为申请或客户所属单位"),
    )
    reference = serializers.CharField(
        label=_label(CustomerContact, "reference"),
        max_length=40,
        help_text=_("95598工单号、网上国网流水号等；同一渠道同一编号只登记一次"),
    )
    note = serializers.CharField(
        label=_label(CustomerContact, "note"), required=False, allow_blank=True, max_length=2000
    )


class ContactOutput(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.CharField()
    contacted_at = serializers.DateTimeField()
    application = serializers.CharField(allow_null=True)
    reference = serializers.CharField()


class MeteringInput(serializers.Serializer):
    application = serializers.CharField(label=_("工单编号"), max_length=20)
    meter_number = serializers.CharField(
        label=_label(MeteringRecord, "meter_number"), max_length=40
    )
    installed_on = serializers.DateField(label=_label(MeteringRecord, "installed_on"))


class MeteringOutput(serializers.Serializer):
    id = serializers.IntegerField()
    application = serializers.CharField()
    meter_number = serializers.CharField()
    installed_on = serializers.DateField()
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged"])


class OutageDecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(
        label=_("审批结果"), choices=[("approve", _("批准")), ("reject", _("驳回"))]
    )
    approved_start = serializers.DateTimeField(
        label=_("批准停电开始"), required=False, help_text=_("缺省为申请时段")
    )
    approved_end = serializers.DateTimeField(label=_("批准停电结束"), required=False)
    note = serializers.CharField(
        label=_("审批意见"),
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=_("驳回原因，或批准时段超出申请时段的理由"),
    )
    decided_at = serializers.DateTimeField(label=_("审批时间"), required=False)


class OutagePlanOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    approved_start = serializers.DateTimeField(allow_null=True)
    approved_end = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField(allow_blank=True)


class ComplaintInput(serializers.Serializer):
    kind = serializers.ChoiceField(
        label=_label(Complaint, "kind"), choices=Complaint.Kind.choices, default="complaint"
    )
    external_ref = serializers.CharField(
        label=_label(Complaint, "external_ref"),
        max_length=40,
        help_text=_("95598工单号；同一编号重复推送返回同一记录"),
    )
    received_at = serializers.DateTimeField(label=_label(Complaint, "received_at"))
    content = serializers.CharField(label=_label(Complaint, "content"), max_length=5000)
    category = serializers.ChoiceField(
        label=_label(Complaint, "category"),
        choices=Complaint.Category.choices,
        default=Complaint.Category.OTHER,
    )
    application = serializers.CharField(
        label=_("工单编号"), max_length=20, required=False, allow_blank=True
    )
    customer_id_type = serializers.ChoiceField(
        label=_label(Customer, "id_type"), choices=IdType.choices, required=False
    )
    customer_id_number = serializers.CharField(
        label=_label(Customer, "id_number"), max_length=40, required=False, allow_blank=True
    )
    unit = serializers.SlugField(
        label=_("被投诉单位编码"), max_length=32, required=False, allow_blank=True
    )
    reporter_name = serializers.CharField(
        label=_label(Complaint, "reporter_name"), max_length=50, required=False, allow_blank=True
    )
    reporter_phone = serializers.CharField(
        label=_label(Complaint, "reporter_phone"), max_length=30, required=False, allow_blank=True
    )
    reporter_contact = serializers.CharField(
        label=_label(Complaint, "reporter_contact"),
        max_length=200,
        required=False,
        allow_blank=True,
    )


class ComplaintOutput(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)


# --- Payments (marketing system, 网上国网) ---------------------------------------------------


class PaymentInput(serializers.Serializer):
    charge = serializers.CharField(
        label=_("收费编号"),
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=_("如 YK-2026-000001-F01；不填时按申请及金额找唯一的待缴项目"),
    )
    application = serializers.CharField(
        label=_("工单编号"), max_length=20, required=False, allow_blank=True
    )
    amount = serializers.DecimalField(label=_("缴费金额(元)"), max_digits=12, decimal_places=2)
    paid_at = serializers.DateTimeField(label=_("缴费时间"))
    reference = serializers.CharField(
        label=_("缴费流水号"),
        max_length=64,
        help_text=_("本系统的缴费流水号；同一流水号重复推送不重复登记"),
    )
    invoice_number = serializers.CharField(
        label=_("发票号码"),
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_("电子发票号码"),
    )


class PaymentOutput(serializers.Serializer):
    charge = serializers.CharField(label=_("收费编号"))
    application = serializers.CharField(label=_("工单编号"))
    status = serializers.CharField(label=_("状态"))
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, label=_("金额(元)"))
    issued_at = serializers.DateTimeField(label=_("开具时间"))
    paid_at = serializers.DateTimeField(label=_("缴费时间"), allow_null=True)
    invoice_number = serializers.CharField(label=_("发票号码"), allow_blank=True)
    settlement_hours = serializers.FloatField(
        label=_("结算时长（小时）"), allow_null=True, help_text=_("开具到缴费的日历小时数")
    )
    result = serializers.ChoiceField(choices=["recorded", "unchanged"])
