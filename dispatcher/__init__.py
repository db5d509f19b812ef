"""The dispatch domain: tickets, technicians, SLA rules, events and the re-planning loop."""
