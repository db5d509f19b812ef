"""Technicians: skills, shifts, where they are."""
