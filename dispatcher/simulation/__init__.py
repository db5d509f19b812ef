"""Simulated compounds, technicians and tickets: the live demo now, the benchmark later."""
