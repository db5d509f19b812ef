"""The HTTP layer: parse, call the dispatcher engine, map domain errors to status codes."""
