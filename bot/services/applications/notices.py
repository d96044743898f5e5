"""Who is told what about an application, in their language, with which buttons.

Messages to other people go through the outbox, keyed by the application's history length, so
a retried transaction sends each once. Decision buttons are `v1:ap:<action>:<application id>`,
signing buttons `v1:sg:<s|w>:<token>`; bot/flows/applications.py and bot/flows/establish.py
answer them.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.chat import callbacks
from bot.chat.i18n import tr
from bot.chat.replies import Button, Keyboard
from bot.domain.values import Advisor, Language, Role, Student
from bot.services.applications.moves import unit_reps
from bot.services.notices.review import Subject, review_buttons
from storage import advisors, outbox, people
from storage import applications as applications_store
from storage import units as units_store
from storage.applications import Application
from storage.tx import Tx

APPLICATION_KIND = "ap"  # decisions: v1:ap:<action>:<application id>
SIGN_KIND = "sg"  # signatures: v1:sg:<s|w>:<token>
SIGN_PREFIX = "sign_"
CHARTER = "ch"  # v1:ap:ch:<application id> sends the charter


def sign_link(bot_username: str, token: str) -> str:
    """The link co-sponsors open to sign (`/start sign_<token>`)."""
    return f"https://t.me/{bot_username}?start={SIGN_PREFIX}{token}"


# Each decision's buttons, (label, action) each: the advisor's (REG-3), the founding meeting's
# confirmation (ORG-3), the unit's (REG-2) and the committee's (REG-8).
ADVISOR_CHOICES = (("accept", "aa"), ("decline", "ad"))
FOUNDING_CHOICES = (("confirm", "fc"), ("reject", "fx"))
UNIT_CHOICES = (("accept", "ua"), ("return", "ur"))
COMMITTEE_CHOICES = (("approve", "ca"), ("return", "cr"), ("reject", "cx"))


def decision_buttons(
    lang: Language, app_id: int, choices: tuple[tuple[str, str], ...]
) -> Keyboard:
    """One row of decision buttons, (label, action) each, for this application (none: none),
    and a row to open its charter: whoever decides can read what they decide on."""
    if not choices:
        return ()
    return (
        tuple(
            Button(
                tr(lang, f"application.button.{label}"),
                callbacks.encode(APPLICATION_KIND, action, app_id),
            )
            for label, action in choices
        ),
        (charter_button(lang, app_id),),
    )


def charter_button(lang: Language, app_id: int) -> Button:
    """A button that sends the application's charter (`v1:ap:ch:<application id>`)."""
    return Button(
        tr(lang, "elections_more.charter"), callbacks.encode(APPLICATION_KIND, CHARTER, app_id)
    )


def _decision(lang: Language, app: Application, *choices: tuple[str, str]) -> Keyboard:
    return decision_buttons(lang, app.id, choices)


async def _send(
    tx: Tx,
    now: datetime,
    app: Application,
    what: str,
    chat_id: int,
    text: str,
    buttons: Keyboard = (),
) -> None:
    """One message about an application, once (keyed by the application's history length)."""
    step = await applications_store.event_count(tx, app.id)
    await outbox.enqueue(tx, f"app:{app.id}:{step}:{what}:{chat_id}", chat_id, text, now, buttons)


async def tell_sponsor(
    tx: Tx, now: datetime, app: Application, key: str, *, review: bool = False, **params: object
) -> None:
    """Message `key` to the lead sponsor; with `review`, an automatic decision that rests on
    restricted data, under which they may ask a person to review it (PRIV-4)."""
    lang = await people.language_of(tx, app.sponsor_user)
    text = tr(lang, key, name=app.name, **params)
    buttons = review_buttons(lang, Subject.SPONSOR, app.id) if review else ()
    await _send(tx, now, app, key, app.sponsor_user, text, buttons)


async def tell_staff(tx: Tx, now: datetime, app: Application, key: str, **params: object) -> None:
    """Message `key` to every member of staff."""
    for user_id, lang in await people.holders(tx, Role.STAFF):
        text = tr(lang, key, id=app.id, name=app.name, **params)
        await _send(tx, now, app, key, user_id, text)


async def summary(tx: Tx, app: Application, lang: Language) -> dict[str, object]:
    """The parameters of `application.summary`."""
    unit = await units_store.unit(tx, app.unit_id) if app.unit_id else None
    sponsor = await people.student_by_pk(tx, app.sponsor_pk)
    return {
        "id": app.id,
        "name": app.name,
        "category": tr(lang, f"category.{app.category}") if app.category else "—",
        "purpose": app.purpose or "—",
        "unit": unit.name if unit else "—",
        "sponsor": sponsor.name if sponsor else "—",
    }


async def advisor_name(tx: Tx, advisor_pk: int | None) -> str:
    """The chosen advisor's name, or a dash."""
    advisor = await advisors.advisor_by_pk(tx, advisor_pk) if advisor_pk else None
    return advisor.name if advisor else "—"


async def ask_advisor(tx: Tx, now: datetime, app: Application, advisor: Advisor) -> None:
    """REG-3: the chosen advisor is asked to accept; staff are told if they have no account."""
    account = await people.account_of_advisor(tx, advisor.id)
    if account is None:
        await tell_staff(tx, now, app, "application.staff_advisor_unbound", advisor=advisor.name)
        return
    lang = Language(account.language)
    buttons = _decision(lang, app, *ADVISOR_CHOICES)
    text = tr(lang, "application.advisor_request", **await summary(tx, app, lang))
    await _send(tx, now, app, "advisor-ask", account.user_id, text, buttons)


async def ask_unit(tx: Tx, now: datetime, app: Application) -> None:
    """REG-2: the unit's representatives are asked to decide; staff are told if there are none."""
    reps = await unit_reps(tx, app)
    if not reps:
        await tell_staff(tx, now, app, "application.staff_no_rep")
    for user_id in reps:
        lang = await people.language_of(tx, user_id)
        buttons = _decision(lang, app, *UNIT_CHOICES)
        text = tr(lang, "application.unit_request", **await summary(tx, app, lang))
        await _send(tx, now, app, "unit-ask", user_id, text, buttons)


async def ask_committee(tx: Tx, now: datetime, app: Application) -> None:
    """REG-8: the reviewers are asked to decide; staff are told if there are none."""
    reviewers = await people.holders(tx, Role.REVIEWER)
    if not reviewers:
        await tell_staff(tx, now, app, "application.staff_no_reviewer")
    for user_id, lang in reviewers:
        buttons = _decision(lang, app, *COMMITTEE_CHOICES)
        text = tr(lang, "application.committee_request", **await summary(tx, app, lang))
        await _send(tx, now, app, "committee-ask", user_id, text, buttons)


async def tell_signers(tx: Tx, now: datetime, app: Application, key: str) -> None:
    """Message `key` to every co-sponsor who signed (not the lead sponsor), once each."""
    signed = [s.student.id for s in await applications_store.signers(tx, app.id) if not s.sponsor]
    for user_id, lang in await people.accounts_of_students(tx, signed):
        await _send(tx, now, app, key, user_id, tr(lang, key, name=app.name))


async def tell_signature(
    tx: Tx,
    now: datetime,
    app: Application,
    signer: Student,
    count: int,
    needed: int,
    *,
    given: bool,
) -> None:
    """The lead sponsor hears of a signature given or withdrawn, and how many there are."""
    lang = await people.language_of(tx, app.sponsor_user)
    key = "application.signed_notice" if given else "application.unsigned_notice"
    text = tr(lang, key, name=app.name, signer=signer.name, count=count, needed=needed)
    what = "sig" if given else "unsig"
    await outbox.enqueue(
        tx, f"app:{app.id}:{what}:{signer.id}:{now.isoformat()}", app.sponsor_user, text, now
    )


async def tell_left_out(
    tx: Tx, now: datetime, app: Application, user_id: int, limit: int, what: str
) -> None:
    """A signer is left out of the founding members: already in `limit` clubs (ORG-3)."""
    lang = await people.language_of(tx, user_id)
    text = tr(lang, "application.left_out_notice", name=app.name, limit=limit)
    await _send(tx, now, app, what, user_id, text)


async def tell_founder(tx: Tx, now: datetime, app: Application, user_id: int) -> None:
    """A co-sponsor becomes a founding member (ORG-3)."""
    lang = await people.language_of(tx, user_id)
    await _send(
        tx, now, app, "founder", user_id, tr(lang, "application.founder_notice", name=app.name)
    )


async def tell_member(tx: Tx, now: datetime, app: Application, user_id: int) -> None:
    """A co-sponsor is a member of the club now active."""
    lang = await people.language_of(tx, user_id)
    await _send(
        tx, now, app, "member", user_id, tr(lang, "application.member_notice", name=app.name)
    )


async def ask_founding_confirmation(
    tx: Tx, now: datetime, app: Application, held_on: date, president_pk: int, founders: int
) -> None:
    """ORG-3: the advisor is asked to confirm the founding meeting; staff are told if the
    advisor has no account."""
    assert app.advisor_pk is not None
    account = await people.account_of_advisor(tx, app.advisor_pk)
    if account is None:
        await tell_staff(tx, now, app, "application.staff_advisor_unbound", advisor="—")
        return
    lang = Language(account.language)
    president = await people.student_by_pk(tx, president_pk)
    buttons = _decision(lang, app, *FOUNDING_CHOICES)
    text = tr(
        lang,
        "application.founding_confirm_request",
        name=app.name,
        held=held_on.isoformat(),
        president=president.name if president else "—",
        founders=founders,
    )
    await _send(tx, now, app, "founding-ask", account.user_id, text, buttons)
