"""The /stats chart draws Chinese with the font the project installs, on any machine.

A missing glyph is an error here: matplotlib warns "Glyph ... missing from font(s)" and draws an
empty box, which is what a server without CJK fonts showed before the font came with clubbot.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from bot.chat.i18n import catalog, tr
from bot.domain.values import Category, Language
from bot.render import charts
from playground import demo


def chinese_stats(extra: str = "") -> charts.Stats:
    """The chart as /stats makes it in Chinese, every label from the catalogue."""

    def t(key: str, **params: object) -> str:
        return str(tr(Language.ZH, key, **params))

    return charts.Stats(
        title=t("console.stats_title", date=date(2026, 9, 1).isoformat()) + extra,
        categories=[(t(f"category.{c.value}"), n) for n, c in enumerate(Category, 1)],
        categories_title=t("console.stats_categories"),
        spread=[("0", 5), ("1", 12), ("2", 3)],
        spread_title=t("console.stats_spread"),
        on_time=[
            ("2026-07", 0.5, t("console.stats_point", met=2, due=4)),
            ("2026-08", 1.0, t("console.stats_point", met=2, due=2)),
        ],
        on_time_title=t("console.stats_on_time"),
        no_data=t("console.stats_no_data"),
    )


# Draws the chart in a fresh process that sees no font of this machine: a new, empty matplotlib
# cache, and of the fonts it finds only matplotlib's own (DejaVu). Every warning is an error.
FRESH_MACHINE = textwrap.dedent(
    """
    import sys, warnings
    import matplotlib
    from matplotlib import font_manager
    own = matplotlib.get_data_path()
    font_manager.fontManager.ttflist = [
        f for f in font_manager.fontManager.ttflist if f.fname.startswith(own)
    ]
    warnings.simplefilter("error")
    from tests.test_charts import chinese_stats
    from bot.render import charts
    png = charts.render(chinese_stats(sys.argv[1]))
    assert png.startswith(b"\\x89PNG"), png[:8]
    print(charts.fonts()[0])
    """
)


def draw_on_a_fresh_machine(tmp_path: Path, extra: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl")}
    return subprocess.run(
        [sys.executable, "-c", FRESH_MACHINE, extra],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parent.parent,
        timeout=120,
        check=False,
    )


def test_the_chinese_chart_has_every_glyph_on_a_machine_without_cjk_fonts(
    tmp_path: Path,
) -> None:
    done = draw_on_a_fresh_machine(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Noto Sans SC"


def test_a_missing_glyph_fails_the_drawing(tmp_path: Path) -> None:
    """The check above can fail: a character neither font has (a Tibetan letter) is an error,
    not an empty box."""
    done = draw_on_a_fresh_machine(tmp_path, "\N{TIBETAN LETTER KA}")
    assert done.returncode != 0
    assert "missing from font" in done.stderr


def covered(path: Path) -> set[int]:
    with TTFont(path, fontNumber=0, lazy=True) as font:
        return set(font.getBestCmap())


CHINESE_PUNCTUATION = "、。「」『』《》【】…—·"


def is_chinese(char: str) -> bool:
    name = unicodedata.name(char, "")
    return name.startswith(("CJK ", "FULLWIDTH ", "IDEOGRAPHIC ")) or char in CHINESE_PUNCTUATION


def test_the_bundled_font_has_every_chinese_character_of_the_catalogue() -> None:
    """Every Chinese message and demo name can go into a chart: the font has their characters."""
    have = covered(charts.font_file())
    names = [c.name for c in demo.CLUBS] + [s.name for s in demo.STUDENTS]
    missing = {
        char
        for message in [*catalog(Language.ZH).values(), *names]
        for char in message
        if is_chinese(char) and ord(char) not in have
    }
    assert not missing, "".join(sorted(missing))


def test_the_font_is_registered_with_matplotlib_by_its_file() -> None:
    from matplotlib import font_manager

    (family, fallback) = charts.fonts()
    assert fallback == charts.FALLBACK
    found = font_manager.findfont(
        font_manager.FontProperties(family=family), fallback_to_default=False
    )
    assert Path(found) == charts.font_file()


def test_every_text_of_the_chart_is_in_the_bundled_font() -> None:
    """Each label's characters are in the first font of the list (the fallback is for
    symbols only)."""
    stats = chinese_stats()
    have = covered(charts.font_file())
    texts = [
        stats.title,
        stats.categories_title,
        stats.spread_title,
        stats.on_time_title,
        stats.no_data,
        *(label for label, _ in stats.categories),
        *(label for _, _, label in stats.on_time),
    ]
    assert all(ord(char) in have for text in texts for char in text)


@pytest.mark.parametrize("horizontal", [False, True])
def test_counts_are_drawn_with_whole_ticks(horizontal: bool) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from bot.render.charts import _bars

    figure = Figure()
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    _bars(ax, "t", [("one", 1), ("two", 2)], "none", horizontal=horizontal)
    figure.canvas.draw()
    ticks = (ax.get_xticks() if horizontal else ax.get_yticks()).tolist()
    assert len(ticks) >= 2
    assert all(float(t).is_integer() for t in ticks), ticks
