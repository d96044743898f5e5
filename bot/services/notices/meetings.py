"""General meetings (ORG-3): the request to confirm one, and the answer to who recorded it."""

from __future__ import annotations

from bot.chat.i18n import tr
from bot.domain.values import Club, Language
from bot.services.notices.reminders import decision_buttons
from storage.deadlines import Recipient
from storage.meetings import Meeting
from storage.outbox import Message


def confirm_request(club: Club, meeting: Meeting, person: Recipient) -> Message:
    """Ask one person to confirm (or reject) a recorded meeting."""
    return Message(
        key=f"gm-confirm:{meeting.id}:{person.user_id}",
        chat_id=person.user_id,
        text=tr(
            person.language,
            "meeting.confirm_request",
            club=club.name,
            held=meeting.held_on.isoformat(),
        ),
        buttons=(decision_buttons(meeting.id, person.language),),
    )


def decided(lang: Language, club: Club, meeting: Meeting, confirmed: bool) -> str:
    """Tell who recorded the meeting whether it was confirmed."""
    key = "meeting.confirmed_notice" if confirmed else "meeting.rejected_notice"
    return tr(lang, key, club=club.name, held=meeting.held_on.isoformat())
