"""Vocabulary shared by every domain: urgencies, categories, skills, statuses."""

from __future__ import annotations

from enum import StrEnum


class Urgency(StrEnum):
    emergency = "emergency"
    routine = "routine"
    scheduled = "scheduled"


class Category(StrEnum):
    water = "water"
    electric = "electric"
    gas = "gas"
    fire = "fire"
    elevator = "elevator"
    lock = "lock"
    hvac = "hvac"
    sanitation = "sanitation"
    general = "general"


class Skill(StrEnum):
    electrician = "electrician"
    plumber = "plumber"
    locksmith = "locksmith"
    elevator = "elevator"
    fire = "fire"
    hvac = "hvac"
    cleaning = "cleaning"
    general = "general"


class Status(StrEnum):
    new = "new"
    assigned = "assigned"
    accepted = "accepted"
    en_route = "en_route"
    on_site = "on_site"
    completed = "completed"
    closed = "closed"
    cancelled = "cancelled"
    merged = "merged"  # the same fault as another open ticket: it follows that one's job


class TechState(StrEnum):
    off = "off"
    idle = "idle"
    en_route = "en_route"
    on_site = "on_site"


# Tickets the planner still has to place (or keep) on a route.
OPEN_STATUSES = (Status.new, Status.assigned, Status.accepted, Status.en_route, Status.on_site)


class ComplaintTopic(StrEnum):
    """What a resident complains about (投诉): the service desk handles it, not a route."""

    facility = "facility"      # a facility fault not fixed, or fixed badly
    sanitation = "sanitation"  # cleaning, rubbish
    noise = "noise"
    security = "security"
    parking = "parking"
    service = "service"        # staff conduct
    other = "other"
