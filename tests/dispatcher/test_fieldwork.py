"""Pure pieces of field work: the check-in geometry and the image sniffing."""

from __future__ import annotations

import pytest

from dispatcher.fieldwork.geo import judge
from dispatcher.photos.service import sniff

TICKET = (31.2250, 121.5350)
SQUARE = [[121.530, 31.220], [121.540, 31.220], [121.540, 31.230], [121.530, 31.230]]


@pytest.mark.parametrize("fix, outline, inside, inside_site", [
    ((31.2251, 121.5350), None, True, None),  # 11 m away
    ((31.2280, 121.5350), None, False, None),  # 330 m away, no site outline
    ((31.2280, 121.5350), SQUARE, True, True),  # 330 m away but in the compound
    ((31.2400, 121.5350), SQUARE, False, False),  # 1.7 km away, outside it
])
def test_a_check_in_is_near_the_ticket_or_inside_its_site(
        fix: tuple[float, float], outline: list[list[float]] | None, inside: bool,
        inside_site: bool | None) -> None:
    verdict = judge(ticket=TICKET, fix=fix, radius_m=150, outline=outline)
    assert (verdict.inside, verdict.inside_site) == (inside, inside_site)


def test_distance_is_metres_from_the_ticket_point() -> None:
    verdict = judge(ticket=TICKET, fix=(31.2340, 121.5350), radius_m=150, outline=SQUARE)
    assert verdict.distance_m == pytest.approx(998, abs=5)  # 0.009° of latitude


@pytest.mark.parametrize("data, kind", [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"GIF89a", None),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
    (b"", None),
])
def test_images_are_known_by_their_bytes(data: bytes, kind: str | None) -> None:
    assert sniff(data) == kind
