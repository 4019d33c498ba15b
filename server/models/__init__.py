"""SQLAlchemy models. Import from here; each module holds one part of the domain."""

from server.models.audit import AuditEvent
from server.models.commune_indicators import CommuneIndicatorEntry
from server.models.criteria_config import CommunePartition, ThresholdOverride
from server.models.devices import Device, Enrolment
from server.models.indicators import HouseholdCheckFact
from server.models.integrity import IntegrityFlag, IntegrityPhotoUse
from server.models.jobs import Job
from server.models.ledger import CommendationRules, UnitRate
from server.models.period_holds import PeriodHold
from server.models.photo_meta import PhotoMeta
from server.models.photos import Photo, Upload
from server.models.records import (
    AppliedMutation,
    Conflict,
    Household,
    Record,
    RecordRevision,
    SyncScope,
)
from server.models.review import RecordComment, ReportingPeriod, ReviewDecision
from server.models.units import AdminUnit
from server.models.users import DeviceVillage, User

__all__ = [
    "AdminUnit",
    "AuditEvent",
    "CommendationRules",
    "CommuneIndicatorEntry",
    "CommunePartition",
    "AppliedMutation",
    "Conflict",
    "Device",
    "DeviceVillage",
    "Enrolment",
    "Household",
    "HouseholdCheckFact",
    "IntegrityFlag",
    "IntegrityPhotoUse",
    "Job",
    "PeriodHold",
    "Photo",
    "PhotoMeta",
    "Record",
    "RecordComment",
    "RecordRevision",
    "ReportingPeriod",
    "ReviewDecision",
    "SyncScope",
    "ThresholdOverride",
    "UnitRate",
    "Upload",
    "User",
]
