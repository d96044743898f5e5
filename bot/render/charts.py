"""/stats as a picture: clubs per category, memberships per student, deadlines met on time.

Drawn with matplotlib's Agg canvas (no display, no pyplot global state), called by the front
end in a worker thread (`Attachment.content`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# Chinese labels need a CJK font. The project brings its own: Noto Sans SC (SIL OFL 1.1, the
# Simplified Chinese forms), from the pylopdf-fonts-zh-cn wheel, registered with matplotlib by its
# file, so a fresh machine, or one whose font cache predates a system font, draws Chinese too.
FALLBACK = "DejaVu Sans"  # matplotlib's own, for a symbol the CJK font lacks


def font_file() -> Path:
    """The bundled CJK font."""
    from pylopdf_fonts_zh_cn import sans_path

    return Path(sans_path())


@cache
def fonts() -> list[str]:
    """The families every text of a chart is drawn with, in order of preference: the
    project's CJK font, registered once per process, then matplotlib's own."""
    from matplotlib import font_manager

    path = str(font_file())
    font_manager.fontManager.addfont(path)
    return [font_manager.FontProperties(fname=path).get_name(), FALLBACK]


@dataclass(frozen=True, slots=True)
class Stats:
    """What the chart shows, with its labels already in the reader's language."""

    title: str
    categories: list[tuple[str, int]]  # label, active clubs
    categories_title: str
    spread: list[tuple[str, int]]  # "0", "1", "2": students holding that many memberships
    spread_title: str
    on_time: list[tuple[str, float, str]]  # month, share met on time (0..1), its note
    on_time_title: str
    no_data: str


def render(stats: Stats) -> bytes:
    """The PNG."""
    # Imported here, in the worker thread that draws: matplotlib takes a quarter of a second
    # to import, which the bot's start-up need not pay.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 11), dpi=100)
    FigureCanvasAgg(fig)
    fig.suptitle(stats.title, fontsize=14, fontfamily=fonts())
    axes = fig.subplots(3, 1)
    _bars(axes[0], stats.categories_title, stats.categories, stats.no_data, horizontal=True)
    _bars(axes[1], stats.spread_title, stats.spread, stats.no_data, horizontal=False)
    ax = axes[2]
    ax.set_title(stats.on_time_title, fontfamily=fonts())
    if stats.on_time:
        months = [m for m, _, _ in stats.on_time]
        ax.plot(months, [share * 100 for _, share, _ in stats.on_time], marker="o")
        for x, (_, share, note) in enumerate(stats.on_time):
            ax.annotate(
                note,
                (x, share * 100),
                fontsize=7,
                fontfamily=fonts(),
                ha="center",
                xytext=(0, 6),
                textcoords="offset points",
            )
        ax.set_ylim(0, 110)
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    else:
        ax.text(0.5, 0.5, stats.no_data, ha="center", va="center", fontfamily=fonts())
        ax.set_axis_off()
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _bars(
    ax: Axes, title: str, data: list[tuple[str, int]], empty: str, *, horizontal: bool
) -> None:
    ax.set_title(title, fontfamily=fonts())
    if not data or not any(n for _, n in data):
        ax.text(0.5, 0.5, empty, ha="center", va="center", fontfamily=fonts())
        ax.set_axis_off()
        return
    labels = [label for label, _ in data]
    values = [n for _, n in data]
    if horizontal:
        ax.barh(labels, values)
        ax.invert_yaxis()
        for label in ax.get_yticklabels():
            label.set_fontfamily(fonts())
    else:
        ax.bar(labels, values)
    # Counts are whole: no tick at 0.5 of a club or of a student.
    from matplotlib.ticker import MaxNLocator

    (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
