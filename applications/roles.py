"""Roles as Django groups, and the permissions each one carries (DOMAIN.md §5).

`sync_roles` is idempotent: migrations of every app call it, so a role gains the permissions of
an app as soon as that app's models exist. Permissions not yet created are skipped.
"""

from django.utils.translation import gettext_lazy as _

FRONT_DESK = "营业受理员"
CUSTOMER_MANAGER = "客户经理"
PROJECT_MANAGER = "项目经理"
APPROVER = "审批人"
SUPERVISOR = "主管"
INSPECTOR = "纪检"
MATERIALS_OFFICER = "物资专责"

ROLE_DESCRIPTIONS = {
    FRONT_DESK: _("受理申请、收取资料"),
    CUSTOMER_MANAGER: _("勘查、方案、报验、合同、送电、归档，全过程负责"),
    PROJECT_MANAGER: _("配套电网工程"),
    APPROVER: _("按部门并行审批供电方案"),
    SUPERVISOR: _("查看全部单位，退回、暂停、撤销，处理预警"),
    INSPECTOR: _("只读查看全部单位，监督检查，出具监督意见书"),
    MATERIALS_OFFICER: _("寄存物料入库、领用与二级库借用管理"),
}

_VIEW_CORE = [
    "applications.view_application",
    "applications.view_customer",
    "applications.view_applicationmaterial",
    "applications.view_surveyrecord",
    "applications.view_supplyscheme",
    "applications.view_schemereview",
    "applications.view_schemeapproval",
    "applications.view_inspection",
    "applications.view_contract",
    "applications.view_meterinstallation",
    "applications.view_transitionlog",
    "applications.view_unit",
    "applications.view_meteringrecord",
    "applications.view_charge",
    "applications.view_chargeevent",
    "monitoring.view_stageclock",
    "monitoring.view_clockpause",
    "monitoring.view_timelimitpolicy",
    "monitoring.view_processlimitpolicy",
    "monitoring.view_calendaroverride",
    "monitoring.view_calendaryear",
    "monitoring.view_alert",
    "monitoring.view_deadline",
    "monitoring.view_clockforecast",  # the breach forecast (risk column, likely-late lists)
]

_POLICY_EDIT = [
    f"monitoring.{action}_{model}"
    for model in (
        "timelimitpolicy",
        "processlimitpolicy",
        "escalationstep",
        "deadlineescalationstep",
    )
    for action in ("add", "change")
] + [
    "monitoring.delete_escalationstep",
    "monitoring.view_escalationstep",
    "monitoring.delete_deadlineescalationstep",
    "monitoring.view_deadlineescalationstep",
    "monitoring.reapply_policy",
    "monitoring.add_calendaroverride",
    "monitoring.change_calendaroverride",
    "monitoring.delete_calendaroverride",
    "monitoring.add_calendaryear",
    "monitoring.change_calendaryear",
    # The breach forecast's settings (threshold of the early alert, minimum group size).
    "monitoring.view_forecastpolicy",
    "monitoring.change_forecastpolicy",
]
# Whoever an alert names (responsible, supervisor, leader) may acknowledge it.
_ALERT_HANDLING = ["monitoring.acknowledge_alert"]

# Ledger imports (applications.ledger): the front desk brings in what it used to type, the
# supervisor migrates whole units; everyone else reads the results. Import is scoped to units.
_LEDGER_IMPORT = ["applications.import_ledger", "applications.view_importjob"]

# Supervision (monitoring.supervision): every staff member sees the cases and letters of their
# unit (the admin scopes them) and records the rectification of a letter naming them; 纪检 and
# 主管 write letters, 主管 also assesses. Nobody deletes a letter or an assessment: no role has
# a delete permission for them, and the models refuse it.
_SUPERVISION_VIEW = [
    "monitoring.view_supervisioncase",
    "monitoring.view_supervisionletter",
    "monitoring.view_supervisionevent",
    "monitoring.record_rectification",
]
_CONTACT_RECORDS = [
    "monitoring.view_customercontact",
    "monitoring.add_customercontact",
    "monitoring.change_customercontact",
]
_SUPERVISION_WRITE = [
    *_SUPERVISION_VIEW,
    "monitoring.view_detectionrule",
    "monitoring.run_detection",
    "monitoring.handle_case",
    "monitoring.add_supervisioncase",
    *_CONTACT_RECORDS,
    "monitoring.add_supervisionletter",
    "monitoring.change_supervisionletter",
    "monitoring.issue_letter",
    "monitoring.close_letter",
    "monitoring.void_letter",
    "monitoring.view_assessment",
]

# Grid-side projects (projects app): everyone who works on an application may read them and the
# three ledgers; project managers run their own projects (the service checks it is theirs),
# dispatch approvers decide outage plans, materials officers keep the stock. Nobody deletes.
_VIEW_PROJECTS = [
    f"projects.view_{model}"
    for model in (
        "project",
        "projectphase",
        "progressreport",
        "constructionteam",
        "materialitem",
        "consignedstock",
        "requisition",
        "requisitionline",
        "secondaryloan",
        "outageplan",
    )
] + ["projects.view_ledgers"]
_RUN_PROJECTS = [
    "projects.add_project",
    "projects.change_project",
    "projects.change_projectphase",
    "projects.report_progress",
    "projects.add_progressreport",
    "projects.draw_materials",
    "projects.add_requisition",
    "projects.add_secondaryloan",
    "projects.add_outageplan",
    "projects.change_outageplan",
]
_KEEP_STOCK = [
    "projects.add_materialitem",
    "projects.change_materialitem",
    "projects.add_consignedstock",
    "projects.change_consignedstock",
    "projects.restock_consignedstock",
    "projects.change_secondaryloan",
]
# Full identity and phone numbers (applications.privacy): the front desk checks identities
# and types them in, 纪检 traces leaks and 线外流转 across records. Everyone else sees them
# masked, except on the applications they answer for (see privacy.sees_personal_data).
_PERSONAL_DATA = ["applications.view_personal_data"]
# Who looked at or exported personal data: for 纪检 and the supervisors.
_PERSONAL_DATA_LOG = ["applications.view_personaldataaccess"]

# Complaints and reports (monitoring.complaints): front desk and customer managers take and
# handle complaints; 举报 are seen only by 主管 and 纪检, and who reported only by 纪检.
_COMPLAINT_ENTRY = ["monitoring.view_complaint", "monitoring.add_complaint"]
_COMPLAINT_HANDLING = [
    *_COMPLAINT_ENTRY,
    "monitoring.assign_complaint",
    "monitoring.handle_complaint",
    "monitoring.view_report",
    "monitoring.view_complaintpolicy",
]

# Random checks and monthly summaries (monitoring.checks, monitoring.summary): 纪检 owns 纪检抽查,
# 营销部 supervisors run 营销专项检查 (the service checks the department), 主管 write and issue
# the monthly summary. Both are voided with a reason, never deleted: no delete permission.
_CHECKS_VIEW = ["monitoring.view_randomcheck", "monitoring.view_randomcheckitem"]
_SUMMARY_VIEW = ["monitoring.view_monthlysummary"]
_INSPECTOR_CHECKS = [*_CHECKS_VIEW, *_SUMMARY_VIEW, "monitoring.run_inspection_check"]
_SUPERVISOR_CHECKS = [
    *_CHECKS_VIEW,
    *_SUMMARY_VIEW,
    "monitoring.run_marketing_check",
    "monitoring.write_summary",
    "monitoring.issue_summary",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    FRONT_DESK: [
        *_VIEW_CORE,
        "applications.add_customer",
        "applications.change_customer",
        "applications.add_application",
        "applications.change_application",
        "applications.change_applicationmaterial",
        "applications.accept_application",
        "applications.complete_acceptance",
        *_LEDGER_IMPORT,
        *_ALERT_HANDLING,
        *_SUPERVISION_VIEW,
        *_CONTACT_RECORDS,
        *_PERSONAL_DATA,
        *_COMPLAINT_ENTRY,
    ],
    CUSTOMER_MANAGER: [
        *_VIEW_CORE,
        "applications.change_customer",
        "applications.change_application",
        "applications.change_applicationmaterial",
        "applications.add_surveyrecord",
        "applications.change_surveyrecord",
        "applications.add_supplyscheme",
        "applications.change_supplyscheme",
        "applications.complete_acceptance",
        "applications.reply_scheme",
        "applications.submit_scheme",
        "applications.record_customer_handin",
        "applications.record_inspection",
        "applications.sign_contract",
        "applications.energize",
        "applications.archive_application",
        "applications.return_application",
        "applications.suspend_application",
        "monitoring.view_callback",
        "monitoring.record_callback",
        *_ALERT_HANDLING,
        "monitoring.view_dashboard",  # their own unit's figures (region scoping)
        *_SUPERVISION_VIEW,
        *_CONTACT_RECORDS,
        *_VIEW_PROJECTS,
        *_COMPLAINT_ENTRY,
        "monitoring.handle_complaint",
    ],
    PROJECT_MANAGER: [
        *_VIEW_CORE,
        "applications.complete_grid_works",
        *_ALERT_HANDLING,
        *_VIEW_PROJECTS,
        *_RUN_PROJECTS,
        *_SUPERVISION_VIEW,
        "applications.view_importjob",  # their progress ledger imports (projects.ledger)
    ],
    APPROVER: [
        *_VIEW_CORE,
        "applications.decide_scheme_approval",
        *_ALERT_HANDLING,
        *_VIEW_PROJECTS,
        # Only dispatch (调控) approvers may use it: the service checks the department.
        "projects.approve_outageplan",
    ],
    MATERIALS_OFFICER: [*_VIEW_CORE, *_VIEW_PROJECTS, *_KEEP_STOCK, *_ALERT_HANDLING],
    SUPERVISOR: [
        *_VIEW_CORE,
        "applications.view_all_units",
        "applications.change_application",
        "applications.return_application",
        "applications.suspend_application",
        "applications.cancel_application",
        "applications.view_staffprofile",
        "applications.view_materialrequirement",
        "applications.view_approvalrequirement",
        *_POLICY_EDIT,
        *_LEDGER_IMPORT,
        "monitoring.view_callback",
        "monitoring.record_callback",
        *_ALERT_HANDLING,
        "monitoring.view_emaildelivery",
        "monitoring.resend_emaildelivery",
        "monitoring.view_dashboard",
        *_SUPERVISION_WRITE,
        "monitoring.change_detectionrule",
        "monitoring.add_assessment",
        "monitoring.void_assessment",
        *_VIEW_PROJECTS,
        "projects.add_constructionteam",
        "projects.change_constructionteam",
        *_PERSONAL_DATA_LOG,
        *_COMPLAINT_HANDLING,
        "monitoring.change_complaintpolicy",
        *_SUPERVISOR_CHECKS,
    ],
    INSPECTOR: [
        *_VIEW_CORE,
        "applications.view_all_units",
        "applications.view_staffprofile",
        "monitoring.view_escalationstep",
        "monitoring.view_deadlineescalationstep",
        "applications.view_importjob",
        "monitoring.view_callback",
        "monitoring.view_emaildelivery",
        "monitoring.view_dashboard",
        *_SUPERVISION_WRITE,
        *_VIEW_PROJECTS,
        *_PERSONAL_DATA,
        *_PERSONAL_DATA_LOG,
        *_COMPLAINT_HANDLING,
        "monitoring.view_reporter_identity",  # the only role that sees who reported
        *_INSPECTOR_CHECKS,
    ],
}

# Meetings (monitoring.meetings): every role reads its unit's meetings, minutes and action items
# (the admin scopes them) and reports its own action items done; 主管 records meetings, writes
# and issues the minutes, decides schemes at the weekly meeting and voids a record with a
# reason. Nobody deletes a meeting record: no role has a delete permission and the models refuse.
_MEETINGS_VIEW = [
    "monitoring.view_meeting",
    "monitoring.view_actionitem",
    "monitoring.view_schemedecision",
    "monitoring.view_schemevote",
]
for _perms in ROLE_PERMISSIONS.values():
    _perms.extend(_MEETINGS_VIEW)
ROLE_PERMISSIONS[SUPERVISOR].extend(
    ["monitoring.write_minutes", "monitoring.void_meeting", "monitoring.complete_action_item"]
)


# Routines (monitoring.routines): leaders (主管) set 督办 items and reward; everyone sees the
# items of their unit (owners report progress on theirs); 主管 and 纪检 hand discipline matters
# over to 纪检, who alone sees them afterwards and concludes them. Nothing is deleted: items and
# rewards are voided with a reason (no role has a delete permission for them).
_ROUTINES_VIEW = ["monitoring.view_supervisionitem", "monitoring.view_supervisionitemnote"]
_ROUTINE_PERMISSIONS = {
    FRONT_DESK: _ROUTINES_VIEW,
    CUSTOMER_MANAGER: _ROUTINES_VIEW,
    PROJECT_MANAGER: _ROUTINES_VIEW,
    APPROVER: _ROUTINES_VIEW,
    MATERIALS_OFFICER: _ROUTINES_VIEW,
    SUPERVISOR: [
        *_ROUTINES_VIEW,
        "monitoring.set_supervisionitem",
        "monitoring.void_supervisionitem",
        "monitoring.hand_over_discipline",
        "monitoring.view_reward",
        "monitoring.add_reward",
        "monitoring.void_reward",
    ],
    INSPECTOR: [
        *_ROUTINES_VIEW,
        "monitoring.hand_over_discipline",
        "monitoring.view_disciplinehandover",
        "monitoring.view_discipline_matter",  # the only role that sees handed-over matters
        "monitoring.conclude_handover",
        "monitoring.view_reward",
    ],
}
for _role, _perms in _ROUTINE_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_perms]


# The customer pages (portal): staff who handle applications open the documents customers
# uploaded (each opening logged) and read the ratings; nobody edits either.
_PORTAL_VIEW = ["portal.view_customerdocument", "portal.view_servicerating"]
for _role in (FRONT_DESK, CUSTOMER_MANAGER, SUPERVISOR, INSPECTOR):
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_PORTAL_VIEW]

# Charges (applications.services.charges): the customer manager itemises the charges with their
# explanation, corrects a mistaken one by cancelling it with a reason, and records a payment
# taken by hand (the marketing system posts the rest through the API); the front desk records
# payments at the counter. Waiving is a management decision: 主管, and 营销部 approvers (the
# service refuses approvers of other departments). Nobody deletes a charge: no role has
# `delete_charge`, and the admin offers no delete.
_CHARGE_PERMISSIONS = {
    FRONT_DESK: ["applications.record_charge_payment"],
    CUSTOMER_MANAGER: [
        "applications.issue_charge",
        "applications.cancel_charge",
        "applications.record_charge_payment",
    ],
    APPROVER: ["applications.waive_charge"],
    SUPERVISOR: ["applications.waive_charge", "applications.cancel_charge"],
}
for _role, _perms in _CHARGE_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_perms]


# The integration API (api): supervisors and discipline inspectors read which systems are
# connected, their tokens (never the raw value) and every call's audit row. Issuing, revoking
# and changing scopes stay with the system administrator (superuser): a token is a key.
_API_VIEW = ["api.view_apiclient", "api.view_apitoken", "api.view_apicall"]
for _role in (SUPERVISOR, INSPECTOR):
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_API_VIEW]


def sync_roles(apps, schema_editor=None) -> None:
    """Create the role groups and grant each the permissions that exist now (idempotent)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Permissions are normally made after migrate; make them now so groups can get them.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            found = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found:
                group.permissions.add(found)
