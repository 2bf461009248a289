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

    cjk = _use_cjk_font()  # names where a CJK font is installed, else division codes
    index = {s: i for i, s in enumerate(STATUSES)}
    grid = [[index[r.cells[y]] for y in cov.years] for r in cov.rows] or [[index["not-crawled"]]]
    provinces = sorted({d.province or "?" for d in cov.deadlines})
    height = min(60.0, 2.5 + 0.22 * (len(cov.rows) + len(provinces)))
    fig, (ax, dx) = plt.subplots(
        2,
        1,
        figsize=(max(7.0, 0.45 * len(cov.years) + 4), height),
        gridspec_kw={"height_ratios": [max(1, len(cov.rows)), max(1, len(provinces))]},
    )
    cmap = ListedColormap([COLOURS[s] for s in STATUSES])
    ax.imshow(grid, aspect="auto", cmap=cmap, vmin=0, vmax=len(STATUSES) - 1, interpolation="none")
    ax.set_xticks(range(len(cov.years)), [str(y) for y in cov.years], rotation=90)
    ax.set_yticks(
        range(len(cov.rows)),
        [f"{r.code} {r.name or ''}" if cjk else r.code for r in cov.rows],
        fontsize=6,
    )
    ax.set_title("annual report coverage (county government's own report)")
    ax.legend(
        handles=[Patch(color=COLOURS[s], label=s) for s in STATUSES],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize=8,
    )
    # Share of reports published by the legal deadline, province × year (blank: none).
    share = {(d.province or "?", d.year): d.on_time / d.reports for d in cov.deadlines if d.reports}
    years = cov.years or sorted({d.year for d in cov.deadlines})
    cells = [[share.get((p, y), float("nan")) for y in years] for p in provinces] or [
        [float("nan")]
    ]
    image = dx.imshow(cells, aspect="auto", cmap="RdYlGn", vmin=0, vmax=1, interpolation="none")
    dx.set_xticks(range(len(years)), [str(y) for y in years], rotation=90)
    dx.set_yticks(range(len(provinces)), [p if cjk else _province_code(p) for p in provinces])
    dx.set_xlabel("year covered")
    dx.set_title("share of reports published by the legal deadline")
    fig.colorbar(image, ax=dx, fraction=0.03)
    fig.tight_layout()
    fmt = Path(path).suffix.lower().lstrip(".")
    with atomic_output(path, "wb") as fh:
        fig.savefig(fh, format=fmt)
    plt.close(fig)


def _use_cjk_font() -> bool:
    """Use an installed CJK font (Noto CJK, WenQuanYi…) for the labels, if there is one."""
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    names = sorted(
        {f.name for f in font_manager.fontManager.ttflist}, key=lambda n: "Sans" not in n
    )
    for name in names:
        if "CJK SC" in name or "WenQuanYi" in name:
            plt.rcParams["font.family"] = [name, "DejaVu Sans"]
            return True
    return False


def _province_code(name: str) -> str:
    """The province's two-digit division code (for labels without a CJK font)."""
    from parsers.registry import divisions

    return next((d.code[:2] for d in divisions() if d.province == name), "?")
