"""Planning: snapshots of state for the optimizer, storing plans, and the re-planning loop."""
