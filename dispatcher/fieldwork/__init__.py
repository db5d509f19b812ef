"""A technician's day in the field: his route, accept, travel, check in, complete, not home."""
