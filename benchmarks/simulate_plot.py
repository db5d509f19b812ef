"""The comparison figure: breaches and travel per policy, and open tickets over the day."""

from __future__ import annotations

from pathlib import Path

from dispatcher.simulation.report import Report

URGENCY_COLOURS = {"emergency": "#d62728", "routine": "#1f77b4", "scheduled": "#2ca02c"}


def plot(path: Path, title: str, reports: list[Report]) -> None:
    """Write a three-panel PNG to `path` (matplotlib, Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_b, ax_t, ax_o) = plt.subplots(1, 3, figsize=(15, 4.5))
    names = [r.policy for r in reports]
    bottom = [0] * len(reports)
    for urgency, colour in URGENCY_COLOURS.items():
        counts = [sum(r.breaches[urgency].values()) for r in reports]
        ax_b.bar(names, counts, bottom=bottom, color=colour, label=urgency)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax_b.set_title("SLA breaches (arrive + resolve)")
    ax_b.legend()
    ax_t.bar(names, [r.travel_km_per_ticket for r in reports], color="#7f7f7f")
    ax_t.set_title("travel km per completed ticket")
    for r in reports:
        ax_o.plot([m / 60 for m, _ in r.timeline], [n for _, n in r.timeline], label=r.policy)
    ax_o.set_title("open tickets over the day")
    ax_o.set_xlabel("hours since the start")
    ax_o.legend()
    fig.suptitle(f"scenario {title}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
