"""Benchmark programs: they print figures, they are not tests."""
