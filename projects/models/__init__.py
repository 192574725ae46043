from .ledgers import AheadLedger, ConnectFirstLedger, InFlightLedger
from .materials import (
    ConsignedStock,
    MaterialItem,
    Requisition,
    RequisitionLine,
    SecondaryLoan,
)
from .outages import OutagePlan
from .progress import ProgressReport
from .project import (
    OPEN_PROJECT,
    SMALL_JOB_MAX_POLES,
    ConstructionTeam,
    Project,
    ProjectNumberSequence,
    ProjectPhase,
)

__all__ = [
    "OPEN_PROJECT",
    "SMALL_JOB_MAX_POLES",
    "AheadLedger",
    "ConnectFirstLedger",
    "ConsignedStock",
    "ConstructionTeam",
    "InFlightLedger",
    "MaterialItem",
    "OutagePlan",
    "ProgressReport",
    "Project",
    "ProjectNumberSequence",
    "ProjectPhase",
    "Requisition",
    "RequisitionLine",
    "SecondaryLoan",
]
