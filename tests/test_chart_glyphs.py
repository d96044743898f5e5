"""Chinese charts draw every character: the project's own CJK font, whatever the machine has."""

from __future__ import annotations

import re
import warnings

from fontTools.ttLib import TTFont

from bot.chat.i18n import catalog, plain
from bot.domain.values import Category, Language
from bot.render import charts
from playground import demo


def _chart_texts() -> list[str]:
    zh = catalog(Language.ZH)
    texts = [v for k, v in zh.items() if k.startswith("console.stats")]
    texts += [zh[f"category.{c.value}"] for c in Category]
    texts += [club.name for club in demo.CLUBS] + [s.name for s in demo.STUDENTS]
    return [re.sub(r"\{\w+(\|[^}]*)?\}", "", plain(t)) for t in texts]


def test_the_font_comes_with_the_project_and_has_every_glyph_a_chart_needs() -> None:
    import importlib.resources

    name = charts.fonts()[0]
    assert name.startswith("Noto Sans CJK"), name
    font_file = importlib.resources.files(charts.FONT_PACKAGE).joinpath(charts.FONT_FILE)
    with importlib.resources.as_file(font_file) as path, TTFont(str(path), lazy=True) as font:
        cmap = font.getBestCmap()
    missing = {ch for text in _chart_texts() for ch in text if ch.strip() and ord(ch) not in cmap}
    assert missing == set()


def test_a_chinese_chart_is_drawn_without_a_missing_glyph() -> None:
    zh = catalog(Language.ZH)
    stats = charts.Stats(
        title=plain(zh["console.stats_title"].replace("{date}", "2026-12-04")),
        categories=[(zh[f"category.{c.value}"], n) for n, c in enumerate(Category)],
        categories_title=zh["console.stats_categories"],
        spread=[("0", 3), ("1", 5), ("2", 1)],
        spread_title=zh["console.stats_spread"],
        on_time=[("2026-11", 0.5, "1/2"), ("2026-12", 1.0, "3/3")],
        on_time_title=zh["console.stats_on_time"],
        no_data=zh["console.stats_no_data"],
    )
    # matplotlib warns "Glyph … missing from font(s)" for every character it draws as a box.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = charts.render(stats)
    assert png.startswith(b"\x89PNG")
