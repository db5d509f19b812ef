"""Idempotency keys: a client's retried change gets the first answer and is applied once."""
