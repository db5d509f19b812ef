"""Inspection rounds: a maintenance plan's checklist, answered on site."""
