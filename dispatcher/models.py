"""Imports every table so that `Base.metadata` knows them all."""

from dispatcher.alarms.models import Alarm, Device
from dispatcher.alerts.models import Alert
from dispatcher.assets.models import Asset
from dispatcher.audit.models import AuditEntry
from dispatcher.auth.models import SigningKey, User
from dispatcher.complaints.models import Complaint
from dispatcher.crews.models import CrewMember
from dispatcher.events.models import Event
from dispatcher.followups.models import FollowUp
from dispatcher.idempotency.models import IdempotencyKey
from dispatcher.inspections.models import InspectionAnswer
from dispatcher.maintenance.models import MaintenancePlan
from dispatcher.overrides.models import Override
from dispatcher.photos.models import Photo
from dispatcher.planning.models import PlanVersion
from dispatcher.recurring.models import RecurringFault
from dispatcher.residents.models import UnitLink
from dispatcher.sites.models import Site
from dispatcher.technicians.models import Technician
from dispatcher.tickets.models import Ticket

__all__ = [
    "Alarm", "Alert", "Asset", "AuditEntry", "Complaint", "CrewMember", "Device", "Event",
    "FollowUp", "IdempotencyKey", "InspectionAnswer", "MaintenancePlan", "Override", "Photo",
    "PlanVersion", "RecurringFault", "SigningKey", "Site", "Technician", "Ticket", "UnitLink",
    "User",
]
