"""Draw the technician app's icons (a white map pin on the house blue) as PNGs, without Pillow.

Run `python pwa/make_icons.py` after changing the drawing; the PNGs are committed.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

BLUE = (31, 111, 209)
WHITE = (255, 255, 255)
RED = (214, 39, 40)


def pixel(x: float, y: float) -> tuple[int, int, int]:
    """Colour at (x, y) in a unit square: a pin (circle head, pointed tail) with a red core."""
    cx, cy, r = 0.5, 0.42, 0.22
    d = math.hypot(x - cx, y - cy)
    if d < r * 0.45:
        return RED
    tip = 0.82
    in_tail = cy <= y <= tip and abs(x - cx) <= r * (tip - y) / (tip - cy)
    if d < r or in_tail:
        return WHITE
    return BLUE


def png(size: int) -> bytes:
    """A maskable square icon of `size` px (the pin stays inside the 80 % safe zone)."""
    rows = b"".join(b"\x00" + bytes(c for x in range(size) for c in pixel(
        (x + 0.5) / size, (y + 0.5) / size)) for y in range(size))
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data  # noqa: E731
                                + struct.pack(">I", zlib.crc32(kind + data)))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    out = Path(__file__).parent / "app" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (out / f"icon-{size}.png").write_bytes(png(size))
