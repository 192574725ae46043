"""The columns of the ledgers, as real Excel files head them (DOMAIN.md §10).

Each column has the canonical header our export writes and the other headers units' ledgers use
for it. Headers are compared after `normalise.header_key` (full-width → ASCII, spaces and
required-marks "*" removed, case ignored), so "申请容量（KVA）" and "* 申请容量 (kVA)" match too.
Columns a file does not have leave the existing values alone on update (README).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ..models import CustomerKind, IdType
from ..states import BusinessType, Channel, CustomerClass
from .normalise import header_key


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


APPLICATION_COLUMNS: tuple[Column, ...] = (
    Column(
        "number", "工单编号", ("申请编号", "工单号", "申请单号", "业务流水号", "流程编号"), True
    ),
    Column("name", "户名", ("客户名称", "用户名称", "客户名", "用户名"), True),
    Column("id_type", "证件类型", ("证件种类",)),
    Column("id_number", "证件号码", ("证件号", "身份证号码", "身份证号", "证照号码"), True),
    Column("contact_name", "联系人", ("联系人姓名", "经办人")),
    Column("phone", "联系电话", ("电话", "手机", "手机号码", "联系方式"), True),
    Column("site_address", "用电地址", ("地址", "用电地点"), True),
    Column("unit", "供电单位", ("供电所", "所属单位", "管理单位"), True),
    Column("customer_class", "用电类别", ("客户类别", "用户类别", "客户分类"), True),
    Column("business_type", "业务类型", ("业务类别", "业务子类")),
    Column("channel", "受理渠道", ("申请渠道",)),
    Column("capacity", "申请容量(kVA)", ("申请容量", "报装容量", "容量(kVA)", "容量"), True),
    Column("supply_voltage", "供电电压", ("电压等级", "供电电压等级"), True),
    Column("is_small_micro", "是否小微企业", ("小微企业",)),
    Column("has_grid_works", "是否有外线工程", ("外线工程", "是否有配套工程", "有无外线工程")),
    Column("accepted_at", "受理时间", ("受理日期", "申请时间"), True),
    Column("state", "当前环节", ("环节", "当前状态", "流程环节"), True),
    Column("state_changed_at", "环节开始时间", ("当前环节开始时间", "环节到达时间", "到达时间")),
    Column("customer_manager", "客户经理"),
    Column("project_manager", "项目经理"),
    Column("installed_on", "装表日期", ("装表时间", "装接日期")),
    Column("energized_at", "送电日期", ("送电时间", "接电日期", "投运日期")),
    Column("note", "备注", ("说明",)),
)

METERING_COLUMNS: tuple[Column, ...] = (
    Column(
        "number", "工单编号", ("申请编号", "工单号", "申请单号", "业务流水号", "流程编号"), True
    ),
    Column(
        "meter_number",
        "电能表资产号",
        ("表号", "电能表编号", "资产编号", "电表资产号", "表计资产号", "电能表资产编号"),
        True,
    ),
    Column("installed_on", "装表日期", ("装表时间", "装接日期", "安装日期"), True),
)

# Columns that belong to the customer rather than to the application.
CUSTOMER_KEYS = frozenset({"name", "id_type", "id_number", "contact_name", "phone"})


def header_index(columns: tuple[Column, ...]) -> dict[str, Column]:
    """Normalised header text → column, for every header and alias."""
    return {header_key(name): column for column in columns for name in column.names()}


def by_key(columns: tuple[Column, ...]) -> dict[str, Column]:
    return {column.key: column for column in columns}


# --- Values of the choice columns --------------------------------------------------------------


def _choices(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Every accepted spelling (normalised like a header) → the stored value."""
    return {header_key(name): value for value, names in pairs.items() for name in names}


ID_TYPES = _choices(
    {
        IdType.RESIDENT_ID: ("居民身份证", "身份证", "二代身份证", "resident_id"),
        IdType.CREDIT_CODE: (
            "统一社会信用代码",
            "信用代码",
            "营业执照",
            "统一社会信用代码证",
            "credit_code",
        ),
        IdType.OTHER: (
            "其他证件",
            "其他",
            "护照",
            "军官证",
            "港澳居民来往内地通行证",
            "台湾居民来往大陆通行证",
            "组织机构代码证",
            "other",
        ),
    }
)

BUSINESS_TYPES = _choices(
    {
        BusinessType.NEW: ("新装", "新装用电", "低压新装", "高压新装", "new"),
        BusinessType.INCREASE: ("增容", "增容用电", "低压增容", "高压增容", "increase"),
    }
)

CHANNELS = _choices(
    {
        Channel.APP: ("网上国网", "网上国网APP", "掌上电力", "app"),
        Channel.HOTLINE: ("95598", "95598热线", "95598网站"),
        Channel.COUNTER: ("营业厅", "柜台", "营业厅柜台", "counter"),
        Channel.MANAGER_VISIT: ("客户经理上门", "上门服务", "客户经理", "visit"),
        Channel.GOVERNMENT: (
            "政务一站式窗口",
            "政务服务",
            "政务服务网",
            "一站式窗口",
            "government",
        ),
    }
)

# Customer classes by name. Tariff categories (电价类别) that ledgers put in this column name no
# class by themselves: they resolve by the supply voltage (low, high) — see `validate`.
CUSTOMER_CLASSES = _choices(
    {
        CustomerClass.LV_RESIDENT: ("低压居民", "居民", "城乡居民", "lv_resident"),
        CustomerClass.LV_BUSINESS: (
            "低压非居民",
            "非居民",
            "低压非居",
            "低压商业",
            "低压小微企业",
            "小微企业",
            "lv_business",
        ),
        CustomerClass.HV_SINGLE: ("高压单电源", "高压", "高压用户", "高压客户", "hv_single"),
        CustomerClass.HV_DUAL: ("高压双电源", "高压多电源", "双电源", "多电源", "hv_dual"),
    }
)
TARIFF_CLASSES = {
    header_key(name): pair
    for name, pair in {
        "居民生活用电": (CustomerClass.LV_RESIDENT, CustomerClass.HV_SINGLE),
        "居民生活": (CustomerClass.LV_RESIDENT, CustomerClass.HV_SINGLE),
        "一般工商业": (CustomerClass.LV_BUSINESS, CustomerClass.HV_SINGLE),
        "一般工商业用电": (CustomerClass.LV_BUSINESS, CustomerClass.HV_SINGLE),
        "工商业": (CustomerClass.LV_BUSINESS, CustomerClass.HV_SINGLE),
        "大工业": (CustomerClass.LV_BUSINESS, CustomerClass.HV_SINGLE),
        "大工业用电": (CustomerClass.LV_BUSINESS, CustomerClass.HV_SINGLE),
        "农业生产": (CustomerClass.LV_BUSINESS, CustomerClass.HV_SINGLE),
        "农业生产用电": (CustomerClass.LV_BUSINESS, CustomerClass.HV_SINGLE),
        "非居民照明": (CustomerClass.LV_BUSINESS, CustomerClass.HV_SINGLE),
    }.items()
}


def kind_for(id_type: str, customer_class: str) -> str:
    """Customer kind from the document: a resident ID is a person, a credit code a firm."""
    if id_type == IdType.RESIDENT_ID:
        return CustomerKind.PERSON
    if id_type == IdType.CREDIT_CODE:
        return CustomerKind.ENTERPRISE
    return (
        CustomerKind.PERSON
        if customer_class == CustomerClass.LV_RESIDENT
        else (CustomerKind.ENTERPRISE)
    )


CHOICE_HINTS = {
    "id_type": _("居民身份证、统一社会信用代码、其他证件"),
    "customer_class": _("低压居民、低压非居民、高压单电源、高压双电源"),
    "business_type": _("新装、增容"),
    "channel": _("网上国网、95598、营业厅、客户经理上门、政务一站式窗口"),
}
