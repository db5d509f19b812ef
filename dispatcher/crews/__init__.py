"""Crew tickets: work that needs several technicians on site together."""
