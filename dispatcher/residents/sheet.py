"""A printable sheet of a building's QR codes, one per unit, for the notice board or each
door. The codes are SVG made by `segno` (pure Python), so the page prints sharp at any size
and needs nothing from the network."""

from __future__ import annotations

import io
from html import escape

import segno

from dispatcher.residents.schemas import LinkRead


def qr_svg(url: str) -> str:
    """The SVG of a QR code for `url` (error correction M: survives a smudge on a notice)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False,
                                    svgns=True, omitsize=True)
    return out.getvalue().decode()


def render(site_name: str, building: str, links: list[LinkRead]) -> str:
    """The sheet as one HTML page: a card per unit with its code and how to use it."""
    cards = "\n".join(
        f'<figure class="card" data-unit="{escape(link.unit)}">{qr_svg(link.url)}'
        f"<figcaption><strong>{escape(building)} {escape(link.unit)}</strong>"
        "<span>微信或相机扫码报修 · 查看进度 · 评价</span>"
        "<small>Scan to report a repair and follow it</small></figcaption></figure>"
        for link in links)
    title = f"{escape(site_name)} {escape(building)} 报修二维码"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", sans-serif; margin: 12mm; }}
h1 {{ font-size: 16pt; margin: 0 0 6mm; }}
.sheet {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 6mm; }}
.card {{ margin: 0; border: 1px dashed #999; padding: 4mm; text-align: center;
        break-inside: avoid; }}
.card svg {{ width: 42mm; height: 42mm; }}
figcaption {{ display: grid; gap: 1mm; }}
figcaption strong {{ font-size: 14pt; }}
figcaption span, figcaption small {{ font-size: 9pt; color: #444; }}
@media print {{ body {{ margin: 8mm; }} }}
</style></head>
<body><h1>{title}</h1><div class="sheet">
{cards}
</div></body></html>"""
