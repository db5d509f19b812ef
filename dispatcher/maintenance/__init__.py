"""Preventive maintenance: plans per asset that generate scheduled tickets."""
