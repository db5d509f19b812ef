"""Recurring faults: repeats on one asset, unit or building, proposed for a root-cause fix."""
