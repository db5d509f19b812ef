"""Repair tickets: what is reported, where, by when, and how far it has got."""
