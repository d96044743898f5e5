"""Establishing a club (REG-1 to REG-8, ADV-1 to ADV-4, ORG-3): the application's state machine.

Every state change goes through `_move`: the transition table says which action leads from which
state to which, the row changes only if it is still in the state read (a conditional update, so
two reviewers at once give one decision). `_record` writes every change (state changes,
signatures given and withdrawn, signatures cleared) twice in the same transaction: to the
application's history (what sponsors and staff read in /application) and to the hash-chained
audit log (`application.<what>`), so neither holds a change the other lacks. Messages to other
people go through the outbox.

```mermaid
stateDiagram-v2
    [*] --> draft: /establish
    draft --> signing: submit
    draft --> expired: 30 days untouched
    signing --> unit_review: N signatures and advisor accepted
    signing --> returned: advisor declines
    unit_review --> committee: unit accepts
    unit_review --> returned: unit returns (comment)
    unit_review --> signing: signatures fall below N
    committee --> founding: approve
    committee --> rejected: reject (reason)
    committee --> returned: return for changes (comment)
    committee --> signing: signatures fall below N
    returned --> signing: resubmit
    signing --> paused: sponsor lost formal status
    unit_review --> paused
    committee --> paused
    returned --> paused
    paused --> returned: sponsor eligible again
    paused --> rejected
    founding --> confirming: the founding meeting votes the charter and a president in
    confirming --> active: advisor confirms
    confirming --> founding: advisor rejects
    draft --> withdrawn
    signing --> withdrawn
    unit_review --> withdrawn
    committee --> withdrawn
    returned --> withdrawn
    paused --> withdrawn
    founding --> withdrawn
```
"""

from __future__ import annotations

import hashlib
import json
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.chat import callbacks
from bot.chat.i18n import tr
from bot.chat.replies import Button, Document, Keyboard
from bot.chat.text import mixed_script_word, skeleton, unsafe_character
from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.domain.values import (
    Advisor,
    AdvisorDismissed,
    AdvisorLimitReached,
    AdvisorNotPartyMember,
    ApplicationChanged,
    Category,
    CharterRefused,
    Club,
    ClubStatus,
    DomainError,
    Language,
    MeetingStatus,
    NameRefused,
    NotAllowed,
    NotBound,
    NotEligibleSponsor,
    Role,
    Student,
    UnknownApplication,
    name_key,
)
from bot.services import appointments, memberships, reminders
from storage import advisors, audit, clubs, officers, outbox, people, units
from storage import applications as store
from storage import elections as election_store
from storage import meetings as meeting_records
from storage.applications import Application, Charter
from storage.models import ClubRow, GuidanceUnitRow, OfficerRow
from storage.tx import Tx

APPLICATION_KIND = "ap"  # decisions: v1:ap:<action>:<application id>
SIGN_KIND = "sg"  # signatures: v1:sg:<s|w>:<token>
SIGN_PREFIX = "sign_"
# History entries that are not state changes (a signature given or withdrawn).
SIGNED, UNSIGNED = "signed", "unsigned"
TOKEN_BYTES = 12  # 16 URL-safe characters


class AppState(StrEnum):
    DRAFT = "draft"
    SIGNING = "signing"  # submitted: co-sponsors sign, the advisor is asked
    UNIT_REVIEW = "unit_review"  # REG-2: the guidance unit's representative decides
    COMMITTEE = "committee"  # REG-8: the review committee decides
    RETURNED = "returned"  # back with the sponsor for changes
    PAUSED = "paused"  # the sponsor lost formal status (REG-1); staff are told
    FOUNDING = "founding"  # approved, founding meeting pending (ORG-3)
    CONFIRMING = "confirming"  # the founding meeting's outcome awaits the advisor
    ACTIVE = "active"  # the club exists
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class Action(StrEnum):
    SUBMIT = "submit"
    ADVISOR_ACCEPT = "advisor_accept"
    ADVISOR_DECLINE = "advisor_decline"
    READY = "ready"
    SHORT = "short"
    UNIT_ACCEPT = "unit_accept"
    UNIT_RETURN = "unit_return"
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"
    PAUSE = "pause"
    RESUME = "resume"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    SET_MEETING = "set_meeting"
    RECORD_OUTCOME = "record_outcome"
    CONFIRM_OUTCOME = "confirm_outcome"
    REJECT_OUTCOME = "reject_outcome"


S = AppState
TRANSITIONS: dict[tuple[AppState, Action], AppState] = {
    (S.DRAFT, Action.SUBMIT): S.SIGNING,
    (S.DRAFT, Action.WITHDRAW): S.WITHDRAWN,
    (S.DRAFT, Action.EXPIRE): S.EXPIRED,
    (S.RETURNED, Action.SUBMIT): S.SIGNING,
    (S.SIGNING, Action.ADVISOR_ACCEPT): S.SIGNING,
    (S.SIGNING, Action.ADVISOR_DECLINE): S.RETURNED,
    (S.SIGNING, Action.READY): S.UNIT_REVIEW,
    (S.UNIT_REVIEW, Action.UNIT_ACCEPT): S.COMMITTEE,
    (S.UNIT_REVIEW, Action.UNIT_RETURN): S.RETURNED,
    (S.UNIT_REVIEW, Action.SHORT): S.SIGNING,
    (S.COMMITTEE, Action.APPROVE): S.FOUNDING,
    (S.COMMITTEE, Action.REJECT): S.REJECTED,
    (S.COMMITTEE, Action.RETURN): S.RETURNED,
    (S.COMMITTEE, Action.SHORT): S.SIGNING,
    (S.PAUSED, Action.RESUME): S.RETURNED,
    (S.PAUSED, Action.REJECT): S.REJECTED,
    (S.FOUNDING, Action.SET_MEETING): S.FOUNDING,
    (S.FOUNDING, Action.RECORD_OUTCOME): S.CONFIRMING,
    (S.CONFIRMING, Action.CONFIRM_OUTCOME): S.ACTIVE,
    (S.CONFIRMING, Action.REJECT_OUTCOME): S.FOUNDING,
}
for _state in (S.SIGNING, S.UNIT_REVIEW, S.COMMITTEE, S.RETURNED):
    TRANSITIONS[(_state, Action.PAUSE)] = S.PAUSED
for _state in (S.SIGNING, S.UNIT_REVIEW, S.COMMITTEE, S.RETURNED, S.PAUSED, S.FOUNDING):
    TRANSITIONS[(_state, Action.WITHDRAW)] = S.WITHDRAWN

# Signatures may be given and withdrawn until the application is decided.
SIGNABLE = (S.SIGNING, S.UNIT_REVIEW, S.COMMITTEE, S.RETURNED, S.PAUSED)
# What staff see in /applications (drafts are the sponsor's own business).
OPEN = (S.SIGNING, S.UNIT_REVIEW, S.COMMITTEE, S.RETURNED, S.PAUSED, S.FOUNDING, S.CONFIRMING)
EDITABLE = (S.DRAFT, S.RETURNED)
# Charter types the policy may name, and the MIME types each is sent with.
CHARTER_MIME = {
    "pdf": ("application/pdf",),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    "txt": ("text/plain",),
    "doc": ("application/msword",),
    "odt": ("application/vnd.oasis.opendocument.text",),
    "md": ("text/markdown", "text/plain"),
}
PRESIDENT = officers.PRESIDENT


def eligible(student: Student | None) -> bool:
    """REG-1: formal student status and no disciplinary record."""
    return student is not None and student.has_formal_status and not student.disciplinary


def require_eligible(student: Student | None) -> Student:
    if student is None:
        raise NotBound()
    if not eligible(student):
        raise NotEligibleSponsor(status=student.status, disciplinary=student.disciplinary)
    return student


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def sign_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={SIGN_PREFIX}{token}"


async def _move(
    tx: Tx,
    app: Application,
    action: Action,
    actor: int | None,
    now: datetime,
    comment: str | None = None,
    *,
    detail: dict[str, object] | None = None,
    **values: object,
) -> Application:
    """Apply `action` to the application as read; ApplicationChanged if someone was first.
    `detail` goes to the audit entry only (the charter's hash at submission, REG-4)."""
    current = AppState(app.state)
    target = TRANSITIONS.get((current, action))
    if target is None or not await store.change(
        tx, app.id, current.value, now, state=target.value, **values
    ):
        raise ApplicationChanged(id=app.id)
    moved = await store.get(tx, app.id)
    assert moved is not None
    await _record(tx, moved, now, actor, action.value, current.value, comment, **(detail or {}))
    return moved


async def _record(
    tx: Tx,
    app: Application,
    now: datetime,
    actor: int | None,
    what: str,
    from_state: str,
    comment: str | None = None,
    **detail: object,
) -> None:
    """One change of an application, into its history and into the audit log."""
    await store.add_event(tx, app.id, now, actor, what, from_state, app.state, comment)
    after: dict[str, object] = {"state": app.state, **detail}
    if comment:
        after["comment"] = comment
    await audit.append(
        tx,
        now,
        actor,
        f"application.{what}",
        club_id=app.club_id,
        subject=f"application:{app.id}",
        before={"state": from_state},
        after=after,
    )


async def expire_if_stale(tx: Tx, policy: Policy, now: datetime, app: Application) -> bool:
    """Drop a draft untouched for longer than the policy allows; True if it expired."""
    if app.state != S.DRAFT or now - app.updated_at < timedelta(days=policy.draft_expiry_days):
        return False
    await _move(tx, app, Action.EXPIRE, None, now)
    return True


async def draft(tx: Tx, policy: Policy, now: datetime, user_id: int, student: Student) -> int:
    """The sponsor's application being edited (a draft, or one returned), or a new draft."""
    found = await store.draft_of(tx, student.id, (S.DRAFT.value, S.RETURNED.value))
    if found is not None and not await expire_if_stale(tx, policy, now, found):
        return found.id
    return await store.create(tx, student.id, user_id, S.DRAFT.value, now)


async def editable(tx: Tx, app_id: int, student: Student | None) -> Application:
    """The sponsor's application, if it may be edited now."""
    app = await store.get(tx, app_id)
    if app is None or student is None or app.sponsor_pk != student.id:
        raise UnknownApplication(id=app_id)
    if app.state not in EDITABLE:
        raise ApplicationChanged(id=app_id)
    return app


# --- the answers ------------------------------------------------------------------------------


def clean_name(raw: str) -> str:
    """The name as it will be shown: NFKC-normalized, inner whitespace folded."""
    return " ".join(unicodedata.normalize("NFKC", raw).split())


async def check_name(tx: Tx, policy: Policy, raw: str, app_id: int) -> str:
    """The cleaned name, or NameRefused with the reason (REG-6, uniqueness, length, characters)."""
    bad = unsafe_character(raw)
    if bad:
        raise NameBadCharacter(char=bad)
    name = clean_name(raw)
    if not policy.club_name_min_chars <= len(name) <= policy.club_name_max_chars:
        raise NameBadLength(min=policy.club_name_min_chars, max=policy.club_name_max_chars)
    mixed = mixed_script_word(name)
    if mixed:
        raise NameMixedScripts(word=mixed)
    key = name_key(name)
    if await clubs.club_by_key(tx, key) is not None or await store.name_held(tx, key, app_id):
        raise NameTaken(name=name)
    looks = skeleton(key)
    for other in [club.name for club in await clubs.all_clubs(tx)] + await store.names_held(
        tx, app_id
    ):
        if skeleton(name_key(other)) == looks:
            raise NameLookAlike(name=name, other=other)
    for entry in await store.screened(tx):
        if entry.term_key in key:
            raise NameScreened(name=name, term=entry.term, reason=entry.reason)
    return name


class NameTaken(NameRefused):
    key = "error.application.name_taken"


class NameLookAlike(NameRefused):
    key = "error.application.name_lookalike"


class NameMixedScripts(NameRefused):
    key = "error.application.name_mixed_scripts"


class NameScreened(NameRefused):
    key = "error.application.name_screened"


class NameBadLength(NameRefused):
    key = "error.application.name_length"


class NameBadCharacter(NameRefused):
    key = "error.application.name_character"


async def set_name(
    tx: Tx, policy: Policy, now: datetime, app: Application, raw: str
) -> Application:
    name = await check_name(tx, policy, raw, app.id)
    return await _edit(tx, now, app, name=name, name_key=name_key(name))


async def set_category(tx: Tx, now: datetime, app: Application, category: Category) -> Application:
    return await _edit(tx, now, app, category=category.value)


async def set_purpose(
    tx: Tx, policy: Policy, now: datetime, app: Application, text: str
) -> Application:
    purpose = " ".join(text.split())
    if not purpose or len(purpose) > policy.purpose_max_chars or unsafe_character(purpose):
        raise PurposeRefused(max=policy.purpose_max_chars)
    return await _edit(tx, now, app, purpose=purpose)


class PurposeRefused(DomainError):
    key = "error.application.purpose"


async def set_unit(tx: Tx, now: datetime, app: Application, unit_id: int) -> Application:
    if unit_id not in {u.id for u in await store.current_units(tx)}:
        raise ApplicationChanged(id=app.id)
    return await _edit(tx, now, app, unit_id=unit_id)


async def check_advisor(
    tx: Tx, policy: Policy, app: Application, advisor: Advisor, category: str | None
) -> None:
    """ADV-2 (party membership for some categories) and ADV-4 (pending applications count)."""
    party_needed = category is not None and Category(category) in policy.party_advisor_categories
    if party_needed and not advisor.party_member:
        raise AdvisorNotPartyMember(club=app.name or "—", advisor=advisor.name)
    held = await advisors.count_current(tx, advisor.id)
    pending = await store.advisor_load(tx, advisor.id, app.id)
    if held + pending >= policy.max_clubs_per_advisor:
        raise AdvisorLimitReached(advisor=advisor.name, limit=policy.max_clubs_per_advisor)


async def choosable_advisors(tx: Tx, policy: Policy, app: Application) -> list[Advisor]:
    """The advisors this application may choose now."""
    found = []
    for row in await store.current_advisors(tx):
        advisor = advisors.to_advisor(row)
        try:
            await check_advisor(tx, policy, app, advisor, app.category)
        except DomainError:
            continue
        found.append(advisor)
    return found


async def set_advisor(
    tx: Tx, policy: Policy, now: datetime, app: Application, advisor_pk: int
) -> Application:
    advisor = await advisors.advisor_by_pk(tx, advisor_pk)
    if advisor is None or advisor_pk not in {r.id for r in await store.current_advisors(tx)}:
        raise ApplicationChanged(id=app.id)
    await check_advisor(tx, policy, app, advisor, app.category)
    accepted = app.advisor_accepted and app.advisor_pk == advisor_pk
    return await _edit(tx, now, app, advisor_pk=advisor_pk, advisor_accepted=accepted)


async def set_charter_text(
    tx: Tx, policy: Policy, now: datetime, app: Application, text: str
) -> Application:
    if len(text) > policy.charter_text_max_chars or len(text.strip()) < 1:
        raise CharterRefused(reason=f"> {policy.charter_text_max_chars}")
    await store.drop_charter(tx, app.id)
    return await _edit(tx, now, app, charter_text=text.strip())


def charter_type(policy: Policy, document: Document) -> str | None:
    """The policy's charter type this document is, judged by its extension and MIME type."""
    extension = document.file_name.rpartition(".")[2].lower() if "." in document.file_name else ""
    if extension not in policy.charter_types:
        return None
    allowed = CHARTER_MIME.get(extension, ())
    mime = document.mime_type.lower()
    return extension if not mime or mime in allowed or mime == "application/octet-stream" else None


async def set_charter_file(
    tx: Tx, policy: Policy, now: datetime, app: Application, document: Document
) -> Charter:
    """REG-4: store the charter document with its SHA-256; refused whole if type or size fail."""
    kind = charter_type(policy, document)
    if kind is None:
        raise CharterWrongType(types=", ".join(policy.charter_types))
    content = document.content
    size = len(content) if content is not None else document.size
    if content is None or size > policy.charter_max_bytes or document.size > len(content):
        raise CharterTooLarge(limit=megabytes(policy.charter_max_bytes))
    if not content:
        raise CharterWrongType(types=", ".join(policy.charter_types))
    charter = Charter(
        file_name=(document.file_name or f"charter.{kind}")[:200],
        mime_type=(document.mime_type or "application/octet-stream")[:100],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    await store.put_charter(tx, app.id, charter, content, now)
    await _edit(tx, now, app, charter_text=None)
    return charter


class CharterWrongType(CharterRefused):
    key = "error.application.charter_type"


class CharterTooLarge(CharterRefused):
    key = "error.application.charter_size"


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


async def _edit(tx: Tx, now: datetime, app: Application, **values: object) -> Application:
    """Change answers of a draft or a returned application. A returned one whose name or
    category changes loses its co-sponsors' signatures: they signed something else."""
    if not await store.change(tx, app.id, app.state, now, **values):
        raise ApplicationChanged(id=app.id)
    if app.state == S.RETURNED:
        renamed = "name_key" in values and values["name_key"] != app.name_key
        recategorized = "category" in values and values["category"] != app.category
        if renamed or recategorized:
            cleared = await store.withdraw(tx, app.id, now)
            if cleared:
                await _record(
                    tx, app, now, app.sponsor_user, "signatures_cleared", app.state, str(cleared)
                )
    found = await store.get(tx, app.id)
    assert found is not None
    return found


def missing(app: Application, has_charter_file: bool) -> list[str]:
    """The answers an application still lacks, by field name."""
    gaps = []
    for field, value in (
        ("name", app.name),
        ("category", app.category),
        ("purpose", app.purpose),
        ("unit", app.unit_id),
        ("advisor", app.advisor_pk),
    ):
        if not value:
            gaps.append(field)
    if not app.charter_text and not has_charter_file:
        gaps.append("charter")
    return gaps


# --- submitting and signing -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Submitted:
    app: Application
    signatures: int


async def submit(
    tx: Tx, policy: Policy, now: datetime, user_id: int, student: Student | None, app_id: int
) -> Submitted:
    """Submit a draft (or resubmit a returned application): check everything again, sign as the
    lead sponsor, ask the advisor, and move on at once if everything is there already."""
    sponsor = require_eligible(student)
    app = await editable(tx, app_id, sponsor)
    app = await store.lock(tx, app.id) or app
    charter = await store.charter(tx, app.id)
    if missing(app, charter is not None):
        raise ApplicationChanged(id=app.id)
    await check_name(tx, policy, app.name, app.id)
    assert app.advisor_pk is not None
    await tx.db.lock_rows(tx.session, "advisor", [app.advisor_pk])
    advisor = await advisors.advisor_by_pk(tx, app.advisor_pk)
    assert advisor is not None
    await check_advisor(tx, policy, app, advisor, app.category)
    token = app.token or new_token()
    held: dict[str, object] = (
        {"charter_sha256": charter.sha256} if charter else {"charter": "text"}
    )
    app = await _move(
        tx, app, Action.SUBMIT, user_id, now, detail=held, token=token, submitted_at=now
    )
    if await store.sign(tx, app.id, sponsor.id, user_id, True, now):
        count = await store.count(tx, app.id)
        await _record(
            tx, app, now, user_id, SIGNED, app.state, sponsor.student_id, signatures=count
        )
    if not app.advisor_accepted:
        await _ask_advisor(tx, now, app, advisor)
    app = await advance(tx, policy, now, app)
    return Submitted(app, await store.count(tx, app.id))


def _decision(lang: Language, app: Application, *choices: tuple[str, str]) -> Keyboard:
    """One row of decision buttons, (label, action) each, for this application."""
    return (
        tuple(
            Button(
                tr(lang, f"application.button.{label}"),
                callbacks.encode(APPLICATION_KIND, action, app.id),
            )
            for label, action in choices
        ),
    )


async def _ask_advisor(tx: Tx, now: datetime, app: Application, advisor: Advisor) -> None:
    account = await people.account_of_advisor(tx, advisor.id)
    if account is None:
        await _tell_staff(tx, now, app, "application.staff_advisor_unbound", advisor=advisor.name)
        return
    lang = Language(account.language)
    buttons = _decision(lang, app, ("accept", "aa"), ("decline", "ad"))
    text = tr(lang, "application.advisor_request", **await _summary_params(tx, app, lang))
    await _send(tx, now, app, "advisor-ask", account.user_id, text, buttons)


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
    step = await store.event_count(tx, app.id)
    await outbox.enqueue(tx, f"app:{app.id}:{step}:{what}:{chat_id}", chat_id, text, now, buttons)


async def _tell_sponsor(
    tx: Tx, now: datetime, app: Application, key: str, **params: object
) -> None:
    lang = await people.language_of(tx, app.sponsor_user)
    await _send(tx, now, app, key, app.sponsor_user, tr(lang, key, name=app.name, **params))


async def _tell_staff(tx: Tx, now: datetime, app: Application, key: str, **params: object) -> None:
    for user_id, lang in await people.holders(tx, Role.STAFF):
        text = tr(lang, key, id=app.id, name=app.name, **params)
        await _send(tx, now, app, key, user_id, text)


async def _summary_params(tx: Tx, app: Application, lang: Language) -> dict[str, object]:
    unit = await tx.session.get(GuidanceUnitRow, app.unit_id) if app.unit_id else None
    sponsor = await people.student_by_pk(tx, app.sponsor_pk)
    return {
        "id": app.id,
        "name": app.name,
        "category": tr(lang, f"category.{app.category}") if app.category else "—",
        "purpose": app.purpose or "—",
        "unit": unit.name if unit else "—",
        "sponsor": sponsor.name if sponsor else "—",
    }


async def summary(tx: Tx, app: Application, lang: Language) -> dict[str, object]:
    """The parameters of `application.summary`."""
    return await _summary_params(tx, app, lang)


@dataclass(frozen=True, slots=True)
class Signed:
    app: Application
    count: int
    new: bool  # False: the student had signed already


async def sign(
    tx: Tx, policy: Policy, now: datetime, user_id: int, student: Student | None, token: str
) -> Signed:
    """REG-1: a co-sponsor signs (eligibility checked now; one signature per student)."""
    found = await store.by_token(tx, token)
    if found is None:
        raise UnknownApplication(id="?")
    app = await store.lock(tx, found.id)
    assert app is not None
    if app.state not in SIGNABLE:
        raise SigningClosed(name=app.name, state=app.state)
    signer = require_eligible(student)
    if not await store.sign(tx, app.id, signer.id, user_id, False, now):
        return Signed(app, await store.count(tx, app.id), False)
    count = await store.count(tx, app.id)
    await _record(tx, app, now, user_id, SIGNED, app.state, signer.student_id, signatures=count)
    lang = await people.language_of(tx, app.sponsor_user)
    text = tr(
        lang,
        "application.signed_notice",
        name=app.name,
        signer=signer.name,
        count=count,
        needed=policy.min_sponsors,
    )
    await outbox.enqueue(
        tx, f"app:{app.id}:sig:{signer.id}:{now.isoformat()}", app.sponsor_user, text, now
    )
    app = await advance(tx, policy, now, app)
    return Signed(app, count, True)


class SigningClosed(DomainError):
    key = "error.application.signing_closed"


async def unsign(
    tx: Tx, policy: Policy, now: datetime, user_id: int, student: Student | None, token: str
) -> Application:
    """A co-sponsor withdraws their signature, until the application is decided."""
    found = await store.by_token(tx, token)
    if found is None:
        raise UnknownApplication(id="?")
    app = await store.lock(tx, found.id)
    assert app is not None
    if student is None or app.state not in SIGNABLE or student.id == app.sponsor_pk:
        raise SigningClosed(name=app.name, state=app.state)
    if not await store.withdraw(tx, app.id, now, student.id):
        raise NotSigned(name=app.name)
    count = await store.count(tx, app.id)
    await _record(tx, app, now, user_id, UNSIGNED, app.state, student.student_id, signatures=count)
    lang = await people.language_of(tx, app.sponsor_user)
    text = tr(
        lang,
        "application.unsigned_notice",
        name=app.name,
        signer=student.name,
        count=count,
        needed=policy.min_sponsors,
    )
    await outbox.enqueue(
        tx, f"app:{app.id}:unsig:{student.id}:{now.isoformat()}", app.sponsor_user, text, now
    )
    if count < policy.min_sponsors and app.state in (S.UNIT_REVIEW, S.COMMITTEE):
        app = await _move(tx, app, Action.SHORT, user_id, now)
    return app


class NotSigned(DomainError):
    key = "error.application.not_signed"


async def advance(tx: Tx, policy: Policy, now: datetime, app: Application) -> Application:
    """Move a submitted application to its unit once it has N signatures and its advisor."""
    if app.state != S.SIGNING or not app.advisor_accepted:
        return app
    if await store.count(tx, app.id) < policy.min_sponsors:
        return app
    if await pause_if_sponsor_lost(tx, now, app):
        return await _reread(tx, app)
    app = await _move(tx, app, Action.READY, None, now)
    await _ask_unit(tx, now, app)
    await _tell_sponsor(tx, now, app, "application.to_unit_notice")
    return app


async def _reread(tx: Tx, app: Application) -> Application:
    found = await store.get(tx, app.id)
    assert found is not None
    return found


async def pause_if_sponsor_lost(tx: Tx, now: datetime, app: Application) -> bool:
    """REG-1: an application whose lead sponsor lost formal status pauses; staff are told."""
    sponsor = await people.student_by_pk(tx, app.sponsor_pk)
    if eligible(sponsor) or (AppState(app.state), Action.PAUSE) not in TRANSITIONS:
        return False
    paused = await _move(tx, app, Action.PAUSE, None, now)
    await _tell_staff(tx, now, paused, "application.staff_paused")
    await _tell_sponsor(tx, now, paused, "application.paused_notice")
    return True


async def _ask_unit(tx: Tx, now: datetime, app: Application) -> None:
    reps = await _unit_reps(tx, app)
    if not reps:
        await _tell_staff(tx, now, app, "application.staff_no_rep")
    for user_id in reps:
        lang = await people.language_of(tx, user_id)
        buttons = _decision(lang, app, ("accept", "ua"), ("return", "ur"))
        text = tr(lang, "application.unit_request", **await _summary_params(tx, app, lang))
        await _send(tx, now, app, "unit-ask", user_id, text, buttons)


async def _unit_reps(tx: Tx, app: Application) -> list[int]:
    return await store.unit_reps(tx, app.unit_id) if app.unit_id is not None else []


async def _ask_committee(tx: Tx, now: datetime, app: Application) -> None:
    reviewers = await people.holders(tx, Role.REVIEWER)
    if not reviewers:
        await _tell_staff(tx, now, app, "application.staff_no_reviewer")
    for user_id, lang in reviewers:
        buttons = _decision(lang, app, ("approve", "ca"), ("return", "cr"), ("reject", "cx"))
        text = tr(lang, "application.committee_request", **await _summary_params(tx, app, lang))
        await _send(tx, now, app, "committee-ask", user_id, text, buttons)


# --- decisions --------------------------------------------------------------------------------


async def _get(tx: Tx, app_id: int) -> Application:
    app = await store.lock(tx, app_id)
    if app is None:
        raise UnknownApplication(id=app_id)
    return app


async def advisor_decides(
    tx: Tx, policy: Policy, now: datetime, user_id: int, app_id: int, accept: bool
) -> Application:
    """REG-3: the chosen advisor accepts (ADV-4 checked again) or declines."""
    app = await _get(tx, app_id)
    mine = await people.advisor_of_account(tx, user_id)
    if mine is None or mine.id != app.advisor_pk:
        raise NotAllowed()
    if app.state != S.SIGNING or app.advisor_accepted:
        raise ApplicationChanged(id=app.id)
    if not accept:
        app = await _move(
            tx, app, Action.ADVISOR_DECLINE, user_id, now, advisor_pk=None, advisor_accepted=False
        )
        await _tell_sponsor(tx, now, app, "application.advisor_declined_notice", advisor=mine.name)
        return app
    await tx.db.lock_rows(tx.session, "advisor", [mine.id])
    held = await advisors.count_current(tx, mine.id)
    if held + await store.advisor_load(tx, mine.id, app.id) >= policy.max_clubs_per_advisor:
        raise AdvisorLimitReached(advisor=mine.name, limit=policy.max_clubs_per_advisor)
    app = await _move(tx, app, Action.ADVISOR_ACCEPT, user_id, now, advisor_accepted=True)
    await _tell_sponsor(tx, now, app, "application.advisor_accepted_notice", advisor=mine.name)
    return await advance(tx, policy, now, app)


@dataclass(frozen=True, slots=True)
class Decided:
    app: Application
    paused: bool = False


NEEDS_COMMENT = frozenset({Action.UNIT_RETURN, Action.RETURN, Action.REJECT})


async def may_decide(tx: Tx, user_id: int, app: Application, action: Action) -> bool:
    """The unit's representatives decide at REG-2, reviewers (REG-8) at the committee."""
    if action in (Action.UNIT_ACCEPT, Action.UNIT_RETURN):
        return user_id in await _unit_reps(tx, app)
    return Role.REVIEWER in await people.roles_of(tx, user_id)


async def decide(
    tx: Tx,
    policy: Policy,
    now: datetime,
    user_id: int,
    app_id: int,
    action: Action,
    comment: str | None = None,
) -> Decided:
    """A unit's or the committee's decision; of two at once, one counts (conditional update)."""
    app = await _get(tx, app_id)
    if not await may_decide(tx, user_id, app, action):
        raise NotAllowed()
    if action in NEEDS_COMMENT and not (comment or "").strip():
        raise CommentNeeded()
    if (AppState(app.state), action) not in TRANSITIONS:
        raise ApplicationChanged(id=app.id)
    if await pause_if_sponsor_lost(tx, now, app):
        return Decided(await _reread(tx, app), paused=True)
    app = await _move(tx, app, action, user_id, now, comment=comment)
    match action:
        case Action.UNIT_ACCEPT:
            await _ask_committee(tx, now, app)
            await _tell_sponsor(tx, now, app, "application.to_committee_notice")
        case Action.UNIT_RETURN | Action.RETURN:
            await _tell_sponsor(tx, now, app, "application.returned_notice", comment=comment)
        case Action.REJECT:
            await _tell_sponsor(tx, now, app, "application.rejected_notice", comment=comment)
        case Action.APPROVE:
            await _choose_founders(tx, policy, now, app)
            await _tell_sponsor(tx, now, app, "application.approved_notice")
    return Decided(app)


class CommentNeeded(DomainError):
    key = "error.application.comment_needed"


async def _choose_founders(tx: Tx, policy: Policy, now: datetime, app: Application) -> None:
    """ORG-3: the signers become founding members, unless already in the maximum of clubs."""
    founders: set[int] = set()
    for signer in await store.signers(tx, app.id):
        held = await clubs.active_memberships(tx, signer.student.id)
        lang = await people.language_of(tx, signer.user_id)
        if len(held) >= policy.max_clubs_per_student or not signer.student.has_formal_status:
            text = tr(
                lang,
                "application.left_out_notice",
                name=app.name,
                limit=policy.max_clubs_per_student,
            )
            await _send(tx, now, app, "left-out", signer.user_id, text)
            continue
        founders.add(signer.student.id)
        if not signer.sponsor:
            text = tr(lang, "application.founder_notice", name=app.name)
            await _send(tx, now, app, "founder", signer.user_id, text)
    await store.mark_founders(tx, app.id, founders)


async def withdraw(
    tx: Tx, now: datetime, user_id: int, student: Student | None, app_id: int
) -> Application:
    """The sponsor withdraws the application (any time before it is decided)."""
    app = await _get(tx, app_id)
    if student is None or app.sponsor_pk != student.id:
        raise UnknownApplication(id=app_id)
    return await _move(tx, app, Action.WITHDRAW, user_id, now)


async def resume(
    tx: Tx, now: datetime, user_id: int, student: Student | None, app_id: int
) -> Application:
    """A paused application whose sponsor is eligible again goes back to the sponsor."""
    app = await _get(tx, app_id)
    if student is None or app.sponsor_pk != student.id:
        raise UnknownApplication(id=app_id)
    require_eligible(student)
    return await _move(tx, app, Action.RESUME, user_id, now)


# --- the founding general meeting (ORG-3) -----------------------------------------------------


async def founding_of(tx: Tx, student: Student | None) -> Application | None:
    """The sponsor's approved application whose founding meeting is pending."""
    if student is None:
        return None
    return await store.draft_of(tx, student.id, (S.FOUNDING.value, S.CONFIRMING.value))


async def set_meeting(
    tx: Tx,
    cal: Calendar,
    now: datetime,
    user_id: int,
    student: Student | None,
    app_id: int,
    day: date,
) -> Application:
    """The sponsor sets (or moves) the founding meeting's date."""
    app = await _get(tx, app_id)
    if student is None or app.sponsor_pk != student.id:
        raise UnknownApplication(id=app_id)
    return await _move(tx, app, Action.SET_MEETING, user_id, now, day.isoformat(), meeting_on=day)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A founding meeting's decisions: charter adopted, officers (student pk, position)."""

    held_on: date
    charter_adopted: bool
    officers: tuple[tuple[int, str], ...]
    # The founding meeting's vote that decided it (its officers took office by election).
    election_id: int | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "held_on": self.held_on.isoformat(),
                "charter_adopted": self.charter_adopted,
                "officers": [list(o) for o in self.officers],
                "election_id": self.election_id,
            }
        )

    @classmethod
    def from_json(cls, raw: str) -> Outcome:
        data = json.loads(raw)
        return cls(
            date.fromisoformat(data["held_on"]),
            bool(data["charter_adopted"]),
            tuple((int(pk), str(position)) for pk, position in data["officers"]),
            data.get("election_id"),
        )


class BadOutcome(DomainError):
    key = "error.application.bad_outcome"


async def record_outcome(
    tx: Tx,
    cal: Calendar,
    now: datetime,
    user_id: int,
    app_id: int,
    outcome: Outcome,
) -> Application:
    """Record the founding meeting's outcome as its vote decided it (bot/services/elections.py);
    the advisor is asked to confirm it. Officers are founding members; one is president."""
    app = await _get(tx, app_id)
    founders = {s.student.id for s in await store.signers(tx, app.id) if s.founder}
    presidents = [pk for pk, position in outcome.officers if position == PRESIDENT]
    if (
        not outcome.charter_adopted
        or outcome.held_on > cal.today(now)
        or len(presidents) != 1
        or any(pk not in founders for pk, _ in outcome.officers)
        or len({pk for pk, _ in outcome.officers}) != len(outcome.officers)
    ):
        raise BadOutcome()
    app = await _move(
        tx,
        app,
        Action.RECORD_OUTCOME,
        user_id,
        now,
        outcome.held_on.isoformat(),
        outcome=outcome.to_json(),
    )
    assert app.advisor_pk is not None
    account = await people.account_of_advisor(tx, app.advisor_pk)
    if account is None:
        await _tell_staff(tx, now, app, "application.staff_advisor_unbound", advisor="—")
        return app
    lang = Language(account.language)
    president = await people.student_by_pk(tx, presidents[0])
    buttons = _decision(lang, app, ("confirm", "fc"), ("reject", "fx"))
    text = tr(
        lang,
        "application.founding_confirm_request",
        name=app.name,
        held=outcome.held_on.isoformat(),
        president=president.name if president else "—",
        founders=len(founders),
    )
    await _send(tx, now, app, "founding-ask", account.user_id, text, buttons)
    return app


@dataclass(frozen=True, slots=True)
class Activated:
    app: Application
    club: Club | None
    members: int
    left_out: int


async def confirm_outcome(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    user_id: int,
    app_id: int,
    confirm: bool,
) -> Activated:
    """The advisor confirms the founding meeting (the club becomes active) or rejects it."""
    app = await _get(tx, app_id)
    mine = await people.advisor_of_account(tx, user_id)
    if mine is None or mine.id != app.advisor_pk:
        raise NotAllowed()
    if app.state != S.CONFIRMING or app.outcome is None:
        raise ApplicationChanged(id=app.id)
    outcome = Outcome.from_json(app.outcome)
    if not confirm:
        app = await _move(tx, app, Action.REJECT_OUTCOME, user_id, now, outcome=None)
        await _tell_sponsor(tx, now, app, "application.founding_rejected_notice")
        return Activated(app, None, 0, 0)
    await _check_founding(tx, policy, app, mine)
    club_id = await _create_club(tx, now, app, outcome.held_on)
    app = await _move(tx, app, Action.CONFIRM_OUTCOME, user_id, now, club_id=club_id)
    club = await clubs.club(tx, club_id)
    assert club is not None
    members, left_out = await _found(tx, policy, cal, now, user_id, app, club, mine, outcome)
    await _tell_sponsor(tx, now, app, "application.active_notice", members=members)
    return Activated(app, club, members, left_out)


async def _check_founding(tx: Tx, policy: Policy, app: Application, advisor: Advisor) -> None:
    """What the founding would refuse halfway, refused before anything is written: a club of
    that name meanwhile (imported, perhaps banned or dissolved: its members must not grow,
    REG-7), the advisor dismissed (ADV-5), no longer a Party member where the category needs one
    (ADV-2), or at their limit meanwhile (ADV-4)."""
    if await clubs.club_by_key(tx, app.name_key) is not None:
        raise NameTaken(name=app.name)
    await tx.db.lock_rows(tx.session, "advisor", [advisor.id])
    if await advisors.is_dismissed(tx, advisor.id):
        raise AdvisorDismissed(advisor=advisor.name)
    category = Category(app.category) if app.category is not None else None
    if category in policy.party_advisor_categories and not advisor.party_member:
        raise AdvisorNotPartyMember(club=app.name, advisor=advisor.name)
    if await advisors.count_current(tx, advisor.id) >= policy.max_clubs_per_advisor:
        raise AdvisorLimitReached(advisor=advisor.name, limit=policy.max_clubs_per_advisor)


async def _create_club(tx: Tx, now: datetime, app: Application, founded: date) -> int:
    assert app.category is not None
    assert app.unit_id is not None
    unit = await tx.session.get(GuidanceUnitRow, app.unit_id)
    assert unit is not None
    row = ClubRow(
        name=app.name,
        name_key=app.name_key,
        category=app.category,
        guidance_unit=unit.name,
        unit_id=unit.id,
        founded=founded,
        status=ClubStatus.ACTIVE.value,
        created_at=now,
    )
    tx.session.add(row)
    await tx.session.flush()
    assert row.id is not None
    return row.id


async def _found(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    actor: int,
    app: Application,
    club: Club,
    advisor: Advisor,
    outcome: Outcome,
) -> tuple[int, int]:
    """Memberships by the join rules (the cap enforced), officers, advisor, meeting, deadlines."""
    members = left_out = 0
    for signer in await store.signers(tx, app.id):
        if not signer.founder:
            continue
        try:
            await memberships.join(tx, policy, now, signer.student, club.id)
        except DomainError:
            left_out += 1
            lang = await people.language_of(tx, signer.user_id)
            text = tr(
                lang,
                "application.left_out_notice",
                name=app.name,
                limit=policy.max_clubs_per_student,
            )
            await _send(tx, now, app, "left-out-late", signer.user_id, text)
            continue
        members += 1
        if not signer.sponsor:
            lang = await people.language_of(tx, signer.user_id)
            text = tr(lang, "application.member_notice", name=app.name)
            await _send(tx, now, app, "member", signer.user_id, text)
    if outcome.election_id is not None:
        # ORG-7: elected by the founding members; the vote now belongs to the club it founded.
        await officers.take_office(tx, club.id, list(outcome.officers), outcome.election_id, now)
        await election_store.attach(tx, outcome.election_id, club.id)
    else:
        for student_pk, position in outcome.officers:
            if position == PRESIDENT:
                await officers.set_president(tx, club.id, student_pk, now)
            else:
                tx.session.add(
                    OfficerRow(
                        club_id=club.id, student_pk=student_pk, position=position, since=now
                    )
                )
    await tx.session.flush()
    await appointments.appoint(tx, policy, cal, now, club, advisor, refresh=False, actor=actor)
    await meeting_records.record(
        tx, club.id, outcome.held_on, MeetingStatus.CONFIRMED, now, recorded_by=app.sponsor_user
    )
    await reminders.refresh(tx, policy, cal, now, [club.id])
    return members, left_out


async def advisor_name(tx: Tx, advisor_pk: int | None) -> str:
    advisor = await advisors.advisor_by_pk(tx, advisor_pk) if advisor_pk else None
    return advisor.name if advisor else "—"


async def add_unit(tx: Tx, now: datetime, actor: int | None, name: str, kind: str) -> bool:
    """Add a guidance unit (or bring a retired one back); False if it is current already."""
    key = name_key(name)
    found = await units.units_by_keys(tx, [key])
    row = found.get(key)
    if row is not None and row.retired_at is None and row.kind == kind:
        return False
    before = None if row is None else {"kind": row.kind, "retired": row.retired_at is not None}
    if row is None:
        tx.session.add(GuidanceUnitRow(name=name, name_key=key, kind=kind, created_at=now))
    else:
        row.name, row.kind, row.retired_at = name, kind, None
    await tx.session.flush()
    await audit.append(
        tx, now, actor, "unit.add", subject=f"unit:{name}", before=before, after={"kind": kind}
    )
    return True


async def retire_unit(tx: Tx, now: datetime, actor: int | None, name: str) -> bool:
    """Retire a guidance unit: new applications cannot choose it; False if it was not current."""
    if not await store.retire_unit(tx, name_key(name), now):
        return False
    await audit.append(tx, now, actor, "unit.retire", subject=f"unit:{name}")
    return True


async def screen(tx: Tx, now: datetime, term: str, reason: str, by: int | None) -> bool:
    """Add a term to the REG-6 screening list; ValueError for an empty or unsafe one."""
    term = " ".join(term.split())
    key = name_key(term)
    if not key or not reason or len(term) > 200 or len(reason) > 500:
        raise ValueError("a term and a reason are needed")
    if unsafe_character(term) or unsafe_character(reason):
        raise ValueError("invisible or control characters")
    if not await store.screen(tx, term, key, reason, by, now):
        return False
    await audit.append(
        tx, now, by, "screening.add", subject=f"screening:{term}", after={"reason": reason}
    )
    return True


async def unscreen(tx: Tx, now: datetime, actor: int | None, term: str) -> bool:
    """Take a term off the REG-6 screening list; False if it was not on it."""
    if not await store.unscreen(tx, name_key(term), now):
        return False
    await audit.append(tx, now, actor, "screening.retire", subject=f"screening:{term}")
    return True
