"""Identity made offline: time-ordered UUIDs and replica codes for short references."""

from __future__ import annotations

import os
import time
import uuid

# Crockford's base32 without I, L, O, U: nothing a tired engineer misreads over the phone.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def uuid7() -> str:
    """A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then randomness."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | rand & ((1 << 80) - 1)
    value &= ~(0xF << 76)
    value |= 0x7 << 76  # version
    value &= ~(0x3 << 62)
    value |= 0x2 << 62  # variant
    return str(uuid.UUID(int=value))


def new_replica_code(length: int = 4) -> str:
    """A random replica code (32**4 = 1,048,576 values) that prefixes this replica's refs."""
    n = int.from_bytes(os.urandom(4), "big")
    out = []
    for _ in range(length):
        n, r = divmod(n, 32)
        out.append(ALPHABET[r])
    return "".join(out)


def ref_tail(typed: str, mark: str) -> str | None:
    """The number `typed` gives when it is one of this replica's refs written without the
    replica code: a bare number (`3`) or the ref's mark and number in any case (`V3`, `v3`
    for a visit, mark `V`; a ticket's mark is empty); None when it is neither. The one rule
    of short refs, for lookups (store/refs.py) and completion alike."""
    q = typed.strip().upper()
    digits = q[len(mark):] if mark and q.startswith(mark.upper()) else q
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
        return None  # (a longer number is no counter's: no ref has it)
    return digits
