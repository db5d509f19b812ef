"""Small inline SVG charts (line and bar), so a report needs no plotting library or network."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

COLOURS = ["#1f6fd1", "#d62728", "#2a9d3c", "#e67e22", "#8e44ad", "#16a085"]
W, H, PAD_L, PAD_R, PAD_T, PAD_B = 640, 220, 48, 12, 28, 36


def _fmt(percent: bool) -> Callable[[float], str]:
    return (lambda v: f"{v * 100:.0f}%") if percent else (lambda v: f"{v:.0f}")


def line_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]],
               *, percent: bool = False) -> str:
    """One line per series over the labels; gaps where a value is None."""
    values = [v for vs in series.values() for v in vs if v is not None]
    top = (1.0 if percent else max(values, default=1.0)) or 1.0
    x = _xs(len(labels))
    parts = _frame(title, top, _fmt(percent))
    for k, (name, vs) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        for run in _runs(vs):
            pts = " ".join(f"{x[i]:.1f},{_y(vs[i], top):.1f}" for i in run)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                         f'points="{pts}"/>')
        parts.append(f'<text x="{PAD_L + 8 + 130 * k}" y="{H - 4}" fill="{colour}" '
                     f'font-size="11">■ {escape(name)}</text>')
    step = max(1, len(labels) // 8)
    parts += [f'<text x="{x[i]:.1f}" y="{H - PAD_B + 14}" font-size="10" '
              f'text-anchor="middle">{escape(labels[i][-5:])}</text>'
              for i in range(0, len(labels), step)]
    return _svg(parts)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float | None],
              *, percent: bool = False) -> str:
    """One bar per label, its value written above it."""
    fmt = _fmt(percent)
    top = (1.0 if percent else max((v for v in values if v is not None), default=1.0)) or 1.0
    parts = _frame(title, top, fmt)
    n = max(1, len(labels))
    slot = (W - PAD_L - PAD_R) / n
    for i, (name, v) in enumerate(zip(labels, values, strict=True)):
        x0 = PAD_L + i * slot + slot * 0.15
        if v is not None:
            y = _y(v, top)
            parts.append(f'<rect x="{x0:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                         f'height="{H - PAD_B - y:.1f}" fill="{COLOURS[0]}"/>')
            parts.append(f'<text x="{x0 + slot * 0.35:.1f}" y="{y - 3:.1f}" font-size="10" '
                         f'text-anchor="middle">{fmt(v)}</text>')
        parts.append(f'<text x="{x0 + slot * 0.35:.1f}" y="{H - PAD_B + 14}" font-size="10" '
                     f'text-anchor="middle">{escape(name[:10])}</text>')
    return _svg(parts)


def _frame(title: str, top: float, fmt: Callable[[float], str]) -> list[str]:
    parts = [f'<text x="{PAD_L}" y="16" font-size="13" font-weight="bold">{escape(title)}'
             '</text>']
    for k in range(5):
        v = top * k / 4
        y = _y(v, top)
        parts.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{PAD_L - 4}" y="{y + 4:.1f}" font-size="10" '
                     f'text-anchor="end">{fmt(v)}</text>')
    return parts


def _xs(n: int) -> list[float]:
    span = W - PAD_L - PAD_R
    return [PAD_L + span * (i + 0.5) / max(n, 1) for i in range(n)]


def _y(v: float, top: float) -> float:
    return H - PAD_B - (H - PAD_B - PAD_T) * min(v / top, 1.0)


def _runs(values: Sequence[float | None]) -> list[list[int]]:
    """Indices of consecutive non-None values (a single point draws as a dot-less line)."""
    runs: list[list[int]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append(i)
    return [r for r in runs if r]


def _svg(parts: list[str]) -> str:
    body = "".join(parts)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" '
            f'height="{H}" role="img" font-family="sans-serif">{body}</svg>')
