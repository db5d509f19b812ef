"""The signature of an alarm request: HMAC-SHA256 over the timestamp and the body, as webhook
senders sign (a device needs only a clock, its key and a hash library)."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def sign(key: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(key, "<timestamp>." + body): the `X-Signature` header."""
    message = str(timestamp).encode() + b"." + body
    return PREFIX + hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def valid(key: str, timestamp: int, body: bytes, signature: str) -> bool:
    """Whether `signature` is this key's over `timestamp` and `body` (constant time)."""
    return hmac.compare_digest(sign(key, timestamp, body), signature)
