"""Every message exists in both languages with the same parameters, and every key used exists."""

from __future__ import annotations

import re
from pathlib import Path

from bot.chat.i18n import catalog, language_for, placeholders, plain, tr
from bot.domain.policy import Level
from bot.domain.values import Category, DeadlineKind, DomainError, Language, StudentStatus
from tests.harness import Campus, Chat

ROOT = Path(__file__).resolve().parents[1]
# ctx.t("key", …), tr(lang, "key", …) and `key = "…"` on domain errors
USED = re.compile(r'(?:\.t\(|tr\([^,()]+,)\s*"([a-z_]+\.[a-z_.]+)"|key = "([a-z_]+\.[a-z_.]+)"')


def test_both_languages_have_every_message_with_the_same_parameters() -> None:
    en, zh = catalog(Language.EN), catalog(Language.ZH)
    assert sorted(set(en) ^ set(zh)) == []
    for key in en:
        assert en[key].strip(), key
        assert zh[key].strip(), key
        assert placeholders(en[key]) == placeholders(zh[key]), key


def test_every_key_the_code_uses_exists() -> None:
    used: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for match in USED.finditer(path.read_text(encoding="utf-8")):
            used.add(match.group(1) or match.group(2))
    used |= {f"category.{c.value}" for c in Category}
    used |= {f"studentstatus.{s.value}" for s in StudentStatus}
    used |= {f"deadlinekind.{k.value}" for k in DeadlineKind}
    used |= {f"reminder.{k.value}.{p}" for k in DeadlineKind for p in ("ahead", "overdue")}
    used |= {f"reminder.as.{level.value}" for level in Level if level is not Level.OFFICERS}
    assert len(used) > 40
    assert sorted(used - set(catalog(Language.EN))) == []
    for error in DomainError.__subclasses__():
        assert error.key in catalog(Language.EN), error


def test_language_follows_telegram_until_chosen() -> None:
    assert language_for("zh-hans") is Language.ZH
    assert language_for("en-GB") is Language.EN
    assert language_for(None) is Language.EN
    assert "&lt;" in tr(Language.EN, "join.done", club="<x>")


async def test_chinese_from_the_first_message_and_switch(campus: Campus) -> None:
    await campus.clubs("Chess Club")
    li = Chat(campus.engine, 2001, language_code="zh-hans")
    assert "欢迎使用" in await li.send("/start")
    await li.send("/language")
    await li.click("English")
    assert "English" in li.said
    assert "Welcome to clubbot" in await li.send("/start")


def test_a_rendered_message_is_not_escaped_twice() -> None:
    inner = tr(Language.EN, "clubs.line", name="Women's <Chess> & Go", members=3)
    assert "Women&#x27;s &lt;Chess&gt; &amp; Go" in inner
    outer = tr(Language.EN, "clubs.search_title", query=inner)
    assert "Women&#x27;s &lt;Chess&gt; &amp; Go" in outer  # once, not "&amp;#x27;"
    assert "Women's <Chess> & Go" in plain(inner)


def test_counts_take_the_right_form_and_no_message_hedges_with_s_in_brackets() -> None:
    for language in Language:
        for key, template in catalog(language).items():
            assert not re.search(r"\((s|es|ies)\)", template), (language, key)

    def meeting(language: Language, days: int) -> str:
        return plain(tr(language, "reminder.meeting.ahead", club="C", date="d", days=days))

    def dismissed(count: int) -> str:
        return plain(tr(Language.EN, "console.dismissed_done", name="T", count=count))

    assert "1 day left" in meeting(Language.EN, 1)
    assert "3 days left" in meeting(Language.EN, 3)
    assert "0 days left" in meeting(Language.EN, 0)
    assert "1 member" in plain(tr(Language.EN, "clubs.line", name="Go", members=1))
    assert "1 members" not in plain(tr(Language.EN, "clubs.line", name="Go", members=1))
    assert "21 members" in plain(tr(Language.EN, "clubs.line", name="Go", members=21))
    assert "1 club is left" in dismissed(1)
    assert "2 clubs are left" in dismissed(2)
    # Chinese has no plural: the number alone.
    assert "1 天" in meeting(Language.ZH, 1)
