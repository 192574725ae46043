from .append_only import ImmutableRecord
from .application import Application, ApplicationNumberSequence
from .approvals import ApprovalRequirement, SchemeApproval, SchemeReview
from .charges import Charge, ChargeEvent, ChargeKind, ChargeStatus, PaymentSource
from .customer import Customer, CustomerKind, IdType
from .ledger import ImportJob, MeteringRecord
from .log import TransitionLog
from .materials import ApplicationMaterial, MaterialRequirement
from .org import StaffProfile, Unit
from .privacy import PersonalDataAccess
from .records import Contract, Inspection, MeterInstallation, SupplyScheme, SurveyRecord

__all__ = [
    "Application",
    "ApplicationMaterial",
    "ApplicationNumberSequence",
    "ApprovalRequirement",
    "Charge",
    "ChargeEvent",
    "ChargeKind",
    "ChargeStatus",
    "Contract",
    "Customer",
    "CustomerKind",
    "IdType",
    "ImmutableRecord",
    "ImportJob",
    "Inspection",
    "MaterialRequirement",
    "MeterInstallation",
    "MeteringRecord",
    "PaymentSource",
    "PersonalDataAccess",
    "SchemeApproval",
    "SchemeReview",
    "StaffProfile",
    "SupplyScheme",
    "SurveyRecord",
    "TransitionLog",
    "Unit",
]
