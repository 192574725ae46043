"""Vocabulary of the lifecycle: customer classes, stages and the other choices.

Identifiers are English; the Chinese names users see live in the labels.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerClass(models.TextChoices):
    LV_RESIDENT = "lv_resident", _("低压居民")
    LV_BUSINESS = "lv_business", _("低压非居民")
    HV_SINGLE = "hv_single", _("高压单电源")
    HV_DUAL = "hv_dual", _("高压双电源")


HIGH_VOLTAGE_CLASSES = frozenset({CustomerClass.HV_SINGLE, CustomerClass.HV_DUAL})


class BusinessType(models.TextChoices):
    NEW = "new", _("新装")
    INCREASE = "increase", _("增容")


class Channel(models.TextChoices):
    APP = "app", _("网上国网")
    HOTLINE = "95598", _("95598")
    COUNTER = "counter", _("营业厅")
    MANAGER_VISIT = "visit", _("客户经理上门")
    GOVERNMENT = "government", _("政务一站式窗口")
    ONLINE = "online", _("客户网页（线上申请）")


class SupplyVoltage(models.TextChoices):
    V220 = "220V", _("220 V")
    V380 = "380V", _("380 V")
    KV10 = "10kV", _("10 kV")
    KV20 = "20kV", _("20 kV")
    KV35 = "35kV", _("35 kV")
    KV110 = "110kV", _("110 kV")


LOW_VOLTAGES = frozenset({SupplyVoltage.V220, SupplyVoltage.V380})


class State(models.TextChoices):
    """Every state an application can be in: the stages, then the states outside the path."""

    ACCEPT = "accept", _("业务受理")
    SCHEME = "scheme", _("勘查及方案答复")
    GRID_WORKS = "grid_works", _("配套电网工程")
    CUSTOMER_DESIGN = "customer_design", _("客户设计")
    DESIGN_REVIEW = "design_review", _("设计文件审查")
    CUSTOMER_CONSTRUCTION = "customer_construction", _("客户施工（中间检查前）")
    MIDDLE_INSPECTION = "middle_inspection", _("中间检查")
    CUSTOMER_COMPLETION = "customer_completion", _("客户施工（竣工报验前）")
    COMPLETION_INSPECTION = "completion_inspection", _("竣工检验")
    CONTRACT = "contract", _("供用电合同签订")
    ENERGIZE = "energize", _("装表接电")
    ARCHIVE = "archive", _("资料归档")
    SUSPENDED = "suspended", _("暂停（客户原因）")
    ARCHIVED = "archived", _("已归档")
    CANCELLED = "cancelled", _("已撤销")


class ApplicationOrigin(models.TextChoices):
    """Where an application was entered: accepted in Yekuo, or brought in from a ledger."""

    SYSTEM = "system", _("系统受理")
    LEDGER = "ledger", _("台账导入")


class Department(models.TextChoices):
    """Departments that approve a supply scheme in parallel (DOMAIN.md §5)."""

    MARKETING = "marketing", _("营销部")
    OPERATIONS = "operations", _("运检部")
    DISPATCH = "dispatch", _("调控中心")
    PLANNING = "planning", _("发展策划部")
    MATERIALS = "materials", _("物资部")


class SuspensionReason(models.TextChoices):
    """Customer-caused reasons only: the company's own delays never stop the clock."""

    CUSTOMER_REQUEST = "customer_request", _("客户申请暂缓")
    MISSING_DOCUMENTS = "missing_documents", _("等待客户补交资料")
    CUSTOMER_EQUIPMENT = "customer_equipment", _("等待客户设备就位")
    GOVERNMENT_APPROVAL = "government_approval", _("等待政府审批")
    CUSTOMER_UNREACHABLE = "customer_unreachable", _("客户无法联系")
