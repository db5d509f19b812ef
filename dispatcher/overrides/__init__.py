"""Dispatcher overrides the solver must respect: for now, pinning a ticket to a technician."""
