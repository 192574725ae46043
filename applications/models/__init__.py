from .append_only import ImmutableRecord
from .application import Application, ApplicationNumberSequence
from .approvals import ApprovalRequirement, SchemeApproval, SchemeReview
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
    "PersonalDataAccess",
    "SchemeApproval",
    "SchemeReview",
    "StaffProfile",
    "SupplyScheme",
    "SurveyRecord",
    "TransitionLog",
    "Unit",
]
