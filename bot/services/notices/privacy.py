"""The messages of personal-data requests (PRIV-2, PRIV-4): staff's /todo entries, and the
answer that reaches the student."""

from __future__ import annotations

from datetime import datetime

from bot.chat import callbacks
from bot.chat.i18n import tr
from bot.chat.replies import Button
from bot.domain.values import Language
from bot.services.notices.todo import Todo
from storage import outbox
from storage.privacy import Request
from storage.tx import Tx

# Staff's "Answer" button on a request: `privans:<request id>`.
ANSWER = "privans"


def todo(lang: Language, found: Request) -> Todo:
    """A request waiting for staff, with its Answer button."""
    text = tr(
        lang,
        f"privacy.todo.{found.kind}",
        id=found.id,
        name=found.name or "—",
        student_id=found.student_id or "—",
        text=found.text,
    )
    button = Button(tr(lang, "privacy.answer_button"), callbacks.encode(ANSWER, found.id))
    return Todo(text, ((button,),))


async def tell_answer(tx: Tx, now: datetime, lang: Language, found: Request, answer: str) -> None:
    """Staff's answer, to the student (or the advisor) who asked."""
    key = "privacy.advisor.answered" if found.advisor else f"privacy.answered.{found.kind}"
    text = tr(lang, key, text=found.text, answer=answer)
    await outbox.enqueue(tx, f"priv:{found.id}:answer", found.user_id, text, now)
