"""Residents' complaints (投诉): acknowledged, explained and closed by the service desk."""
