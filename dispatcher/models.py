"""Imports every table so that `Base.metadata` knows them all."""

from dispatcher.alerts.models import Alert
from dispatcher.auth.models import SigningKey, User
from dispatcher.events.models import Event
from dispatcher.idempotency.models import IdempotencyKey
from dispatcher.overrides.models import Override
from dispatcher.photos.models import Photo
from dispatcher.planning.models import PlanVersion
from dispatcher.sites.models import Site
from dispatcher.technicians.models import Technician
from dispatcher.tickets.models import Ticket

__all__ = [
    "Alert", "Event", "IdempotencyKey", "Override", "Photo", "PlanVersion", "SigningKey", "Site",
    "Technician", "Ticket", "User",
]
