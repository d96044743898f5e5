"""Telegram's command menu for each person: what they are decides what it offers.

Everyone gets the default menu (what everyone and students use), published for each language at
start-up. A person who is more than a student (staff, a reviewer, an advisor, a unit's
representative, a club officer), or who chose a language of their own, gets a menu for their
chat (Telegram's chat scope) in their language. It is published by a tick when what they are
changes (`storage.people.claim_menus`), never inside the update that changed it.
"""

from __future__ import annotations

from bot.chat.i18n import tr
from bot.chat.replies import BotCommand, Menu
from bot.core.permissions import audiences_of
from bot.core.router import Audience, Router
from bot.domain.values import Language
from storage.people import MenuFacts

A = Audience
# A student's menu offers what members use: /election answers a student in no club clearly,
# and joining or leaving a club then needs no new menu.
_STUDENT_MENU = frozenset({A.EVERYONE, A.STUDENT, A.MEMBER})


def audiences(facts: MenuFacts) -> frozenset[Audience]:
    """What the person is, for their menu (a student counts as a member: `_STUDENT_MENU`)."""
    return audiences_of(
        facts.granted,
        student=facts.student,
        officer=facts.officer,
        member=facts.student,
        advisor=facts.advisor,
        unit_rep=facts.unit_rep,
    )


def commands(router: Router, language: Language, held: frozenset[Audience]) -> list[BotCommand]:
    """The menu of someone who is `held`, in `language`: the commands offered to any of it. Who
    is nothing more than everyone (not bound yet) sees what students use."""
    shown = held if held - {A.EVERYONE} else _STUDENT_MENU
    return [
        BotCommand(command.name, tr(language, f"command.{command.name}"))
        for command in router.commands.values()
        if command.menu and command.audiences & shown
    ] + [BotCommand("cancel", tr(language, "command.cancel"))]


def default(router: Router, language: Language) -> list[BotCommand]:
    """The menu everyone gets unless their chat has one of its own."""
    return commands(router, language, frozenset({A.EVERYONE}))


def wanted(router: Router, facts: MenuFacts) -> Menu | None:
    """The menu this person's chat should show; None when the default one fits them (they are
    a student or nothing yet, and their language follows Telegram's)."""
    held = audiences(facts)
    if held <= _STUDENT_MENU and not facts.language_chosen:
        return None
    key = f"{facts.language.value}:{','.join(sorted(a.value for a in held))}"
    return Menu(key, commands(router, facts.language, held))
