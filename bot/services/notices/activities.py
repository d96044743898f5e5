"""The messages about activities: a proposal as approvers and organizers read it, the request
to decide it (with its buttons), and what the organizer is told of each decision."""

from __future__ import annotations

import html
from datetime import datetime

from bot.chat import callbacks
from bot.chat.i18n import Html, tr
from bot.chat.replies import Button, Keyboard
from bot.domain.activities import ActivityKind, DocumentKind, Speaker
from bot.domain.calendar import Calendar
from bot.domain.finance import yuan
from bot.domain.values import Language
from bot.services.notices.files import size_words
from storage.activities import Activity, AttachedDocument

# Callback kind of the decision buttons: v1:ac:<a|t|j>:<activity id>:<version>.
DECIDE = "ac"
ACTIONS = {"a": "approve", "t": "return", "j": "reject"}
# Callback kind of a document's button: v1:ad:<activity id>:<p|s>.
DOCUMENT = "ad"
DOCUMENT_CODES = {DocumentKind.PARTICIPANTS: "p", DocumentKind.SAFETY_PLAN: "s"}


def local(cal: Calendar, at: datetime | None) -> str:
    """A UTC instant as the university's local date and time."""
    return "—" if at is None else at.astimezone(cal.zone).strftime("%Y-%m-%d %H:%M")


def speaker_line(lang: Language, speaker: Speaker) -> str:
    key = "activity.speaker_outside" if speaker.outside else "activity.speaker"
    return tr(lang, key, name=speaker.name, affiliation=speaker.affiliation)


def summary(lang: Language, cal: Calendar, act: Activity) -> str:
    """The proposal, every answer on its line (a dash for one not given yet)."""
    if act.capacity is not None:
        capacity: object = act.capacity
    else:
        capacity = tr(lang, "activity.no_limit") if act.capacity_set else "—"
    lines: list[str] = [
        tr(
            lang,
            "activity.summary",
            title=act.title or "—",
            club=act.club,
            kind=tr(lang, f"activity.kind.{act.kind.value}") if act.kind else "—",
            starts=local(cal, act.starts_at),
            ends=local(cal, act.ends_at),
            place=act.place or "—",
            expected=act.expected if act.expected is not None else "—",
            capacity=capacity,
            audience=tr(lang, f"activity.audience.{act.audience.value}") if act.audience else "—",
        )
    ]
    if act.kind is ActivityKind.TALK:
        speakers = [speaker_line(lang, entry.speaker) for entry in act.speakers]
        listed = Html("\n".join(speakers)) if speakers else "—"
        lines.append(tr(lang, "activity.speakers", speakers=listed))
    if act.budget_fen is not None:
        lines.append(
            tr(
                lang,
                "activity.budget",
                budget=tr(lang, "activity.yuan", amount=yuan(act.budget_fen)),
            )
            if act.budget_fen
            else tr(lang, "activity.budget_none")
        )
    if act.sponsor is not None:
        lines.append(tr(lang, "activity.sponsor", sponsor=act.sponsor))
    elif act.sponsor_set:
        lines.append(tr(lang, "activity.no_sponsor"))
    lines += [document_line(lang, d) for d in act.documents]
    lines.append(html.escape(act.description or "—", quote=False))
    return Html("\n".join(lines))


def document_line(lang: Language, document: AttachedDocument) -> str:
    """A document a proposal carries, as people read it: what it is, its name and size."""
    return tr(
        lang,
        "activity.document",
        what=tr(lang, f"activity.change.{document.kind.value}"),
        file=document.file_name,
        size=size_words(lang, document.size),
    )


def document_buttons(lang: Language, act: Activity) -> tuple[Button, ...]:
    """One button per document the proposal carries: it sends that document
    (`v1:ad:<activity id>:<kind>`)."""
    return tuple(
        Button(
            tr(lang, f"activity.button.{d.kind.value}"),
            callbacks.encode(DOCUMENT, act.id, DOCUMENT_CODES[d.kind]),
        )
        for d in act.documents
    )


def decision_buttons(lang: Language, act: Activity) -> Keyboard:
    """Approve / return / reject, for the version the approver was shown; under them the
    buttons that send the documents it carries."""
    decide = tuple(
        Button(
            tr(lang, f"activity.button.{name}"),
            callbacks.encode(DECIDE, code, act.id, act.version),
        )
        for code, name in ACTIONS.items()
    )
    documents = document_buttons(lang, act)
    return (decide, documents) if documents else (decide,)


def request(lang: Language, cal: Calendar, act: Activity, level: str) -> str:
    """What an approver at `level` is asked."""
    return tr(
        lang,
        "activity.request",
        level=tr(lang, f"activity.level.{level}"),
        summary=summary(lang, cal, act),
    )


def decided(lang: Language, act: Activity, decision: str, comment: str | None) -> str:
    """What the organizer is told of a decision; an approval of a sponsored activity says
    that the exception is approved and where the income goes (ACT-9)."""
    text = tr(
        lang,
        f"activity.told.{decision}",
        title=act.title or "—",
        club=act.club,
        comment=comment or "—",
    )
    if decision == "approve" and act.sponsor:
        return Html(text + "\n" + tr(lang, "activity.told_sponsor", sponsor=act.sponsor))
    return text


def remind_approver(lang: Language, act: Activity, by: str) -> str:
    """The reminder on a level's last day to answer (ACT-1)."""
    return tr(lang, "activity.remind_approver", title=act.title or "—", club=act.club, by=by)


def escalated(lang: Language, act: Activity, level: str, by: str) -> str:
    """What the level above hears when a level let its answer time run out."""
    return tr(
        lang,
        "activity.escalated",
        title=act.title or "—",
        club=act.club,
        level=tr(lang, f"activity.level.{level}"),
        by=by,
    )


# --- announcement and sign-up --------------------------------------------------------------------

# Callback kinds: sign up (v1:as:<id>), cancel (v1:ax:<id>), a page of /events (v1:ev:<page>).
SIGN_UP = "as"
CANCEL = "ax"
PAGE = "ev"


def sign_up_button(lang: Language, activity_id: int) -> Button:
    return Button(tr(lang, "activity.button.sign_up"), callbacks.encode(SIGN_UP, activity_id))


def cancel_button(lang: Language, activity_id: int) -> Button:
    return Button(tr(lang, "activity.button.cancel"), callbacks.encode(CANCEL, activity_id))


def announcement(lang: Language, cal: Calendar, act: Activity) -> str:
    return tr(lang, "activity.announce", summary=summary(lang, cal, act))


def reminder(lang: Language, cal: Calendar, act: Activity) -> str:
    """The day before the start, to a student with a place."""
    return tr(
        lang,
        "activity.reminder",
        title=act.title or "—",
        starts=local(cal, act.starts_at),
        place=act.place or "—",
    )


def promoted(lang: Language, cal: Calendar, act: Activity) -> str:
    """To the first on the waiting list, when a place opened."""
    return tr(lang, "activity.promoted", title=act.title or "—", starts=local(cal, act.starts_at))
