"""The coverage matrix as a heatmap picture (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

from service.options import atomic_output
from storage.coverage import STATUSES, Coverage

COLOURS = {
    "found": "#1a9850",
    "found-not-parsed": "#fee08b",
    "not-found": "#d73027",
    "unreachable": "#7f7f7f",
    "robots-blocked": "#4575b4",
    "not-crawled": "#ffffff",
}


def draw(cov: Coverage, path: str | Path) -> None:
    """Counties down, years across, one colour per status, a legend; PNG or SVG by suffix."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    index = {s: i for i, s in enumerate(STATUSES)}
    grid = [[index[r.cells[y]] for y in cov.years] for r in cov.rows] or [[index["not-crawled"]]]
    height = min(60.0, 1.5 + 0.22 * len(cov.rows))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.45 * len(cov.years) + 3), height))
    cmap = ListedColormap([COLOURS[s] for s in STATUSES])
    ax.imshow(grid, aspect="auto", cmap=cmap, vmin=0, vmax=len(STATUSES) - 1, interpolation="none")
    ax.set_xticks(range(len(cov.years)), [str(y) for y in cov.years], rotation=90)
    # Codes, not names: the names need a CJK font the machine may not have.
    ax.set_yticks(range(len(cov.rows)), [r.code for r in cov.rows], fontsize=6)
    ax.set_xlabel("year covered")
    ax.set_title("annual report coverage (county government's own report)")
    ax.legend(
        handles=[Patch(color=COLOURS[s], label=s) for s in STATUSES],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize=8,
    )
    fig.tight_layout()
    fmt = Path(path).suffix.lower().lstrip(".")
    with atomic_output(path, "wb") as fh:
        fig.savefig(fh, format=fmt)
    plt.close(fig)
