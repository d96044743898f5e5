"""The messages of /todo: each thing waiting for a person, worded and buttoned as the request
that asked them for it (the same keys, the same callback data), so a decision taken from /todo
is the one taken from the notification."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.chat import callbacks
from bot.chat.i18n import joined, tr
from bot.chat.replies import Button, Keyboard
from bot.domain.values import Language
from bot.services.applications import notices as application_notices
from bot.services.elections.notices import (
    ELECTION,
    approval_text,
    objection_buttons,
    objection_text,
)
from bot.services.notices.reminders import decision_buttons
from storage.elections import Elected
from storage.todo import (
    ListedCandidate,
    WaitingApplication,
    WaitingElection,
    WaitingMeeting,
    WaitingNomination,
    WaitingObjection,
)


@dataclass(frozen=True, slots=True)
class Todo:
    """One thing waiting for someone: its message and its decision buttons."""

    text: str
    buttons: Keyboard


def verdicts(lang: Language, year: int, names: list[str]) -> Todo:
    """The annual reviews waiting for the committee's verdict (/verdict decides them)."""
    shown = joined(lang, names[:10]) + ("…" if len(names) > 10 else "")
    return Todo(tr(lang, "todo.verdicts", year=year, count=len(names), clubs=shown), ())


def _summary(lang: Language, app: WaitingApplication) -> dict[str, object]:
    """The parameters of the application's request messages."""
    return {
        "id": app.id,
        "name": app.name,
        "category": tr(lang, f"category.{app.category}") if app.category else "—",
        "purpose": app.purpose or "—",
        "unit": app.unit or "—",
        "sponsor": app.sponsor or "—",
    }


def application(
    lang: Language, app: WaitingApplication, key: str, choices: tuple[tuple[str, str], ...]
) -> Todo:
    """An application's request (`key`: the advisor's, the unit's, the committee's)."""
    text = tr(lang, key, **_summary(lang, app))
    return Todo(text, application_notices.decision_buttons(lang, app.id, choices))


def founding(lang: Language, app: WaitingApplication, held: str, president: str) -> Todo:
    """A founding meeting for the advisor to confirm (ORG-3)."""
    text = tr(
        lang,
        "application.founding_confirm_request",
        name=app.name,
        held=held,
        president=president,
        founders=app.founders,
    )
    choices = application_notices.FOUNDING_CHOICES
    return Todo(text, application_notices.decision_buttons(lang, app.id, choices))


def _el(lang: Language, key: str, action: str, target: int, **params: object) -> Button:
    return Button(tr(lang, key, **params), callbacks.encode(ELECTION, action, target))


def nomination(lang: Language, found: WaitingNomination) -> Todo:
    """A nomination to accept or decline."""
    text = tr(lang, "election.nominated", club=found.club, position=found.position, by=found.by)
    buttons = (
        (
            _el(lang, "button.election.accept", "a", found.candidate_id),
            _el(lang, "button.election.decline", "d", found.candidate_id),
        ),
    )
    return Todo(text, buttons)


def review(lang: Language, election: WaitingElection, listed: Sequence[ListedCandidate]) -> Todo:
    """A candidate list to review: strike a candidate, or approve the list."""
    lines = [tr(lang, "election.review_request", club=election.club)]
    rows: list[tuple[Button, ...]] = []
    for candidate in listed:
        lines.append(
            tr(
                lang,
                "election.candidate_line",
                position=candidate.position,
                name=candidate.name,
                student_id=candidate.student_id,
            )
        )
        rows.append(
            (
                _el(
                    lang,
                    "button.election.strike",
                    "s",
                    candidate.candidate_id,
                    name=candidate.name[:24],
                ),
            )
        )
    if not listed:
        lines.append(tr(lang, "todo.no_candidates"))
    rows.append((_el(lang, "button.election.approve_list", "ok", election.id),))
    return Todo("\n".join(lines), tuple(rows))


def approval(
    lang: Language,
    election: WaitingElection,
    elected: Sequence[Elected],
    objections: tuple[int, int] | None = None,
) -> Todo:
    """An election result to approve: who it elected, and its objections upheld or waiting."""
    text = approval_text(lang, election.club, elected, objections)
    return Todo(text, ((_el(lang, "button.election.approve", "ap", election.id),),))


def meeting(lang: Language, found: WaitingMeeting) -> Todo:
    """A general meeting to confirm (ORG-3)."""
    text = tr(lang, "todo.meeting", club=found.club, held=found.held_on.isoformat())
    return Todo(text, (decision_buttons(found.id, lang),))


def heading(lang: Language, count: int, shown: int) -> str:
    """The first line of the list: how many things wait, and how many are shown."""
    text = tr(lang, "todo.title", count=count)
    if count <= shown:
        return text
    return f"{text}\n{tr(lang, 'todo.more', shown=shown, more=count - shown)}"


def objection(lang: Language, found: WaitingObjection) -> Todo:
    """A member's objection to answer: uphold or dismiss it, with a reason (ORG-5)."""
    text = objection_text(lang, found.club, found.phase, found.name, found.student_id, found.text)
    return Todo(text, objection_buttons(lang, found.id))
