"""Events: every accepted change is stored as a row (the outbox) and published on a bus."""
