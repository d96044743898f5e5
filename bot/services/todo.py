"""What waits for one person (/todo): every decision the bot asked them for that is still open,
whatever their roles. One statement per kind of to-do (storage/todo.py), none per row; each
entry is the request message again, with the same buttons (bot/services/notices/todo.py).

Also what a person who was made able to decide later (an advisor binding their account, a unit
representative appointed after the request) is told at once: the requests sent before could not
reach them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.values import Language, Role
from bot.services import privacy
from bot.services.applications import notices as application_notices
from bot.services.applications.founding import PRESIDENT, Outcome
from bot.services.applications.machine import AppState
from bot.services.applications.moves import unit_reps
from bot.services.notices import privacy as privacy_notices
from bot.services.notices import todo as todo_notices
from bot.services.notices.todo import Todo
from storage import clubs as clubs_store
from storage import elections as elections_store
from storage import outbox, people
from storage import reviews as reviews_store
from storage import todo as todo_store
from storage.applications import Application
from storage.tx import Tx

__all__ = ["Todo", "choices_on", "concerns", "heading", "tell_rep", "waiting"]

# Entries shown as messages of their own at once (replies go out at 1/s a chat, so a few); the
# heading says how many more wait.
SHOWN = 5


async def _verdicts(tx: Tx, lang: Language) -> list[Todo]:
    """REG-5, REG-8: the annual reviews of the open round that wait for the committee (forms
    submitted, appeals of a failed review), as one entry that says how to decide them."""
    windows = await reviews_store.review_windows(tx)
    if not windows:
        return []
    year = max(w.year for w in windows)
    waiting_ids = await reviews_store.awaiting_verdict(tx, year)
    if not waiting_ids:
        return []
    names = await clubs_store.names_of(tx, waiting_ids)
    return [todo_notices.verdicts(lang, year, [names[i] for i in waiting_ids if i in names])]


async def waiting(
    tx: Tx, user_id: int, student_pk: int | None, advisor_pk: int | None, lang: Language
) -> list[Todo]:
    """Everything waiting for this person now, applications first, oldest first."""
    roles = await people.roles_of(tx, user_id)
    staff = Role.STAFF in roles
    found: list[Todo] = []
    if advisor_pk is not None:
        found += await _advisor_applications(tx, lang, advisor_pk)
    found += await _unit_applications(tx, lang, user_id)
    if Role.REVIEWER in roles:
        for app in await todo_store.applications_in(tx, AppState.COMMITTEE.value):
            found.append(
                todo_notices.application(
                    lang,
                    app,
                    "application.committee_request",
                    application_notices.COMMITTEE_CHOICES,
                )
            )
    if Role.REVIEWER in roles:
        found += await _verdicts(tx, lang)
    if student_pk is not None:
        for nominated in await todo_store.nominations(tx, student_pk):
            found.append(todo_notices.nomination(lang, nominated))
    if advisor_pk is not None or staff:
        lists = await todo_store.lists_to_review(tx, advisor_pk, staff)
        listed = await todo_store.listed_candidates(tx, [e.id for e in lists])
        for election in lists:
            shown = [c for c in listed if c.election_id == election.id]
            found.append(todo_notices.review(lang, election, shown))
    found += await _club_decisions(tx, lang, user_id, advisor_pk, staff)
    # ORG-5: objections lodged in a publicity period, for the advisor or staff to answer.
    found += [
        todo_notices.objection(lang, o)
        for o in await todo_store.objections_waiting(tx, advisor_pk, staff)
    ]
    if staff:
        # PRIV-2, PRIV-4: corrections and reviews students asked for.
        found += [privacy_notices.todo(lang, r) for r in await privacy.waiting(tx)]
    return found


async def _advisor_applications(tx: Tx, lang: Language, advisor_pk: int) -> list[Todo]:
    """Applications that ask this advisor to accept them, or to confirm a founding meeting."""
    mine = await todo_store.advisor_applications(
        tx, advisor_pk, AppState.SIGNING.value, AppState.CONFIRMING.value
    )
    found = [
        todo_notices.application(
            lang, a, "application.advisor_request", application_notices.ADVISOR_CHOICES
        )
        for a in mine
        if a.state == AppState.SIGNING
    ]
    return found + await _foundings(tx, lang, [a for a in mine if a.state == AppState.CONFIRMING])


async def _unit_applications(tx: Tx, lang: Language, user_id: int) -> list[Todo]:
    """Applications waiting for the decision of a unit this person represents."""
    return [
        todo_notices.application(
            lang, app, "application.unit_request", application_notices.UNIT_CHOICES
        )
        for app in await todo_store.unit_applications(tx, user_id, AppState.UNIT_REVIEW.value)
    ]


async def _club_decisions(
    tx: Tx, lang: Language, user_id: int, advisor_pk: int | None, staff: bool
) -> list[Todo]:
    """Election results to approve and general meetings to confirm."""
    results = await todo_store.results_to_approve(tx, advisor_pk, user_id, staff)
    ids = [e.id for e in results]
    elected = await elections_store.elected(tx, ids)
    objections = await elections_store.objection_counts(tx, ids)
    found = [
        todo_notices.approval(lang, e, elected.get(e.id, []), objections.get(e.id))
        for e in results
    ]
    found += [
        todo_notices.meeting(lang, meeting)
        for meeting in await todo_store.meetings_to_confirm(tx, advisor_pk, user_id)
    ]
    return found


async def _foundings(
    tx: Tx, lang: Language, apps: Sequence[todo_store.WaitingApplication]
) -> list[Todo]:
    """Founding meetings to confirm, their presidents read in one statement."""
    outcomes = {a.id: Outcome.from_json(a.outcome) for a in apps if a.outcome is not None}
    presidents = {
        app_id: next((pk for pk, position in o.officers if position == PRESIDENT), None)
        for app_id, o in outcomes.items()
    }
    wanted = [pk for pk in presidents.values() if pk is not None]
    names = {s.id: s.name for s in await people.students_by_pks(tx, wanted)} if wanted else {}
    return [
        todo_notices.founding(
            lang,
            app,
            outcomes[app.id].held_on.isoformat(),
            names.get(presidents[app.id] or 0, "—"),
        )
        for app in apps
        if app.id in outcomes
    ]


async def choices_on(
    tx: Tx, user_id: int, advisor_pk: int | None, app: Application
) -> tuple[tuple[str, str], ...]:
    """The decision buttons (label, action) this person may press on the application now: none
    when it waits for someone else, or for nobody."""
    mine = advisor_pk is not None and app.advisor_pk == advisor_pk
    match app.state:
        case AppState.SIGNING if mine and not app.advisor_accepted:
            return application_notices.ADVISOR_CHOICES
        case AppState.CONFIRMING if mine:
            return application_notices.FOUNDING_CHOICES
        case AppState.UNIT_REVIEW if user_id in await unit_reps(tx, app):
            return application_notices.UNIT_CHOICES
        case AppState.COMMITTEE if Role.REVIEWER in await people.roles_of(tx, user_id):
            return application_notices.COMMITTEE_CHOICES
    return ()


async def concerns(tx: Tx, user_id: int, advisor_pk: int | None, app: Application) -> bool:
    """Whether the application is this person's to see though they are neither staff nor a
    reviewer: they are its advisor, or represent its guidance unit."""
    if advisor_pk is not None and app.advisor_pk == advisor_pk:
        return True
    return user_id in await unit_reps(tx, app)


def heading(lang: Language, count: int) -> str:
    """The list's first line."""
    return todo_notices.heading(lang, count, min(count, SHOWN))


async def tell_rep(tx: Tx, now: datetime, user_id: int, unit_id: int) -> int:
    """Queue to a unit's new representative what already waits for the units they represent
    (the requests sent before went to nobody, or to staff), each with its buttons, once. How
    many things wait."""
    lang = await people.language_of(tx, user_id)
    found = await _unit_applications(tx, lang, user_id)
    found += await _club_decisions(tx, lang, user_id, None, staff=False)
    if not found:
        return 0
    messages = [
        outbox.Message(f"todo:rep{unit_id}:{user_id}:0", user_id, heading(lang, len(found)))
    ] + [
        outbox.Message(f"todo:rep{unit_id}:{user_id}:{n}", user_id, item.text, item.buttons)
        for n, item in enumerate(found[:SHOWN], start=1)
    ]
    await outbox.enqueue_many(tx, messages, now)
    return len(found)
