"""The draft's answers: name (REG-6), category, purpose, guidance unit (REG-2), advisor (ADV-2,
ADV-4) and charter (REG-4); the draft itself, and what it still lacks."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.chat.replies import Document
from bot.chat.text import mixed_script_word, skeleton, unsafe_character
from bot.domain.policy import Policy
from bot.domain.values import (
    Advisor,
    AdvisorLimitReached,
    AdvisorNotPartyMember,
    ApplicationChanged,
    Category,
    CharterRefused,
    DomainError,
    NameRefused,
    Student,
    UnknownApplication,
    name_key,
)
from bot.services import documents
from bot.services.applications.machine import CLEARED, EDITABLE, Action, AppState
from bot.services.applications.moves import move, record, reread
from storage import advisors, clubs
from storage import applications as applications_store
from storage import units as units_store
from storage.applications import Application, Charter
from storage.tx import Tx


async def expire_if_stale(tx: Tx, policy: Policy, now: datetime, app: Application) -> bool:
    """Drop a draft untouched for longer than the policy allows; True if it expired."""
    if app.state != AppState.DRAFT or now - app.updated_at < timedelta(
        days=policy.draft_expiry_days
    ):
        return False
    await move(tx, app, Action.EXPIRE, None, now)
    return True


async def expire_stale_drafts(tx: Tx, policy: Policy, now: datetime, limit: int) -> int:
    """Expire up to `limit` drafts untouched for longer than the policy allows, without waiting
    for their sponsors to come back (their names stop holding a place); how many."""
    before = now - timedelta(days=policy.draft_expiry_days)
    stale = await applications_store.untouched(tx, AppState.DRAFT.value, before, limit)
    return sum([await expire_if_stale(tx, policy, now, app) for app in stale])


async def draft(tx: Tx, policy: Policy, now: datetime, user_id: int, student: Student) -> int:
    """The sponsor's application being edited (a draft, or one returned), or a new draft."""
    found = await applications_store.draft_of(
        tx, student.id, (AppState.DRAFT.value, AppState.RETURNED.value)
    )
    if found is not None and not await expire_if_stale(tx, policy, now, found):
        return found.id
    return await applications_store.create(tx, student.id, user_id, AppState.DRAFT.value, now)


async def editable(tx: Tx, app_id: int, student: Student | None) -> Application:
    """The sponsor's application, if it may be edited now."""
    app = await applications_store.get(tx, app_id)
    if app is None or student is None or app.sponsor_pk != student.id:
        raise UnknownApplication(id=app_id)
    if app.state not in EDITABLE:
        raise ApplicationChanged(id=app_id)
    return app


async def _edit(tx: Tx, now: datetime, app: Application, **values: object) -> Application:
    """Change answers of a draft or a returned application. A returned one whose name or
    category changes loses its co-sponsors' signatures: they signed something else."""
    if not await applications_store.change(tx, app.id, app.state, now, **values):
        raise ApplicationChanged(id=app.id)
    if app.state == AppState.RETURNED:
        renamed = "name_key" in values and values["name_key"] != app.name_key
        recategorized = "category" in values and values["category"] != app.category
        if renamed or recategorized:
            cleared = await applications_store.withdraw(tx, app.id, now)
            if cleared:
                await record(tx, app, now, app.sponsor_user, CLEARED, app.state, str(cleared))
    return await reread(tx, app)


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


# --- the name (REG-6) -------------------------------------------------------------------------


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
    if await clubs.club_by_key(tx, key) is not None or await applications_store.name_held(
        tx, key, app_id
    ):
        raise NameTaken(name=name)
    looks = skeleton(key)
    for other in [
        club.name for club in await clubs.all_clubs(tx)
    ] + await applications_store.names_held(tx, app_id):
        if skeleton(name_key(other)) == looks:
            raise NameLookAlike(name=name, other=other)
    for entry in await applications_store.screened(tx):
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
    """REG-6: the club's name, checked."""
    name = await check_name(tx, policy, raw, app.id)
    return await _edit(tx, now, app, name=name, name_key=name_key(name))


# --- category, purpose, unit ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Categorized:
    app: Application
    # Why the advisor chosen before was let go: they do not fit the new category (ADV-2).
    advisor_refused: DomainError | None = None


async def set_category(
    tx: Tx, policy: Policy, now: datetime, app: Application, category: Category
) -> Categorized:
    """The club's category; an advisor chosen before who does not fit it is let go (ADV-2)."""
    app = await _edit(tx, now, app, category=category.value)
    if app.advisor_pk is None:
        return Categorized(app)
    try:
        await hold_advisor(tx, policy, app, app.advisor_pk)
    except DomainError as err:
        return Categorized(await _edit(tx, now, app, advisor_pk=None), err)
    return Categorized(app)


async def set_purpose(
    tx: Tx, policy: Policy, now: datetime, app: Application, text: str
) -> Application:
    """The club's purpose, whitespace folded; PurposeRefused if empty, too long or unsafe."""
    purpose = " ".join(text.split())
    if not purpose or len(purpose) > policy.purpose_max_chars or unsafe_character(purpose):
        raise PurposeRefused(max=policy.purpose_max_chars)
    return await _edit(tx, now, app, purpose=purpose)


class PurposeRefused(DomainError):
    key = "error.application.purpose"


async def set_unit(tx: Tx, now: datetime, app: Application, unit_id: int) -> Application:
    """REG-2: the guidance unit, one of those current."""
    if unit_id not in {u.id for u in await units_store.current_units(tx)}:
        raise ApplicationChanged(id=app.id)
    return await _edit(tx, now, app, unit_id=unit_id)


# --- the advisor (ADV-1, ADV-2, ADV-4) --------------------------------------------------------


async def within_limit(tx: Tx, policy: Policy, app: Application, advisor: Advisor) -> None:
    """ADV-4: the clubs the advisor holds and the other live applications naming them leave a
    place for this one; AdvisorLimitReached if not."""
    held = await advisors.count_current(tx, advisor.id)
    pending = await applications_store.advisor_load(tx, advisor.id, app.id)
    refusal = _over_limit(policy, advisor, held + pending)
    if refusal is not None:
        raise refusal


def _over_limit(policy: Policy, advisor: Advisor, load: int) -> DomainError | None:
    """ADV-4 for an advisor who holds or is named by `load` clubs and other applications."""
    if load >= policy.max_clubs_per_advisor:
        return AdvisorLimitReached(advisor=advisor.name, limit=policy.max_clubs_per_advisor)
    return None


def _not_party(policy: Policy, app: Application, advisor: Advisor) -> DomainError | None:
    """ADV-2: the application's category needs a Party member and the advisor is not one."""
    category = app.category
    party_needed = category is not None and Category(category) in policy.party_advisor_categories
    if party_needed and not advisor.party_member:
        return AdvisorNotPartyMember(club=app.name or "—", advisor=advisor.name)
    return None


async def check_advisor(tx: Tx, policy: Policy, app: Application, advisor: Advisor) -> None:
    """ADV-2 (party membership for some categories) and ADV-4 (pending applications count)."""
    refusal = _not_party(policy, app, advisor)
    if refusal is not None:
        raise refusal
    await within_limit(tx, policy, app, advisor)


async def hold_advisor(tx: Tx, policy: Policy, app: Application, advisor_pk: int) -> Advisor:
    """The application's advisor, held until the transaction ends so that no other application
    takes their last place meanwhile, if they fit it (ADV-2, ADV-4)."""
    await advisors.lock_advisors(tx, [advisor_pk])
    advisor = await advisors.advisor_by_pk(tx, advisor_pk)
    assert advisor is not None
    await check_advisor(tx, policy, app, advisor)
    return advisor


async def choosable_advisors(tx: Tx, policy: Policy, app: Application) -> list[Advisor]:
    """The advisors this application may choose now: the bank's, their clubs and the other
    live applications naming them each counted in one statement for all (ADV-2, ADV-4)."""
    bank = await applications_store.current_advisors(tx)
    held = await advisors.clubs_held(tx)
    named = await applications_store.advisor_loads(tx, app.id)
    return [
        advisor
        for advisor in bank
        if _not_party(policy, app, advisor) is None
        and _over_limit(policy, advisor, held.get(advisor.id, 0) + named.get(advisor.id, 0))
        is None
    ]


async def set_advisor(
    tx: Tx, policy: Policy, now: datetime, app: Application, advisor_pk: int
) -> Application:
    """ADV-1: the advisor, one of the bank's current ones who fits the application."""
    current = {a.id: a for a in await applications_store.current_advisors(tx)}
    advisor = current.get(advisor_pk)
    if advisor is None:
        raise ApplicationChanged(id=app.id)
    await check_advisor(tx, policy, app, advisor)
    accepted = app.advisor_accepted and app.advisor_pk == advisor_pk
    return await _edit(tx, now, app, advisor_pk=advisor_pk, advisor_accepted=accepted)


# --- the charter (REG-4) ----------------------------------------------------------------------


async def set_charter_text(
    tx: Tx, policy: Policy, now: datetime, app: Application, text: str
) -> Application:
    """The charter as text, replacing a document sent before."""
    if len(text) > policy.charter_text_max_chars or len(text.strip()) < 1:
        raise CharterRefused(reason=f"> {policy.charter_text_max_chars}")
    await applications_store.drop_charter(tx, app.id)
    return await _edit(tx, now, app, charter_text=text.strip())


async def set_charter_file(
    tx: Tx, policy: Policy, now: datetime, app: Application, document: Document
) -> Charter:
    """REG-4: store the charter document with its SHA-256; refused whole if type or size fail."""
    found = documents.accept(
        document,
        policy.charter_types,
        policy.charter_max_bytes,
        CharterWrongType,
        CharterTooLarge,
        "charter",
    )
    charter = Charter(found.file_name, found.mime_type, found.size, found.sha256)
    content = found.content
    await applications_store.put_charter(tx, app.id, charter, content, now)
    await _edit(tx, now, app, charter_text=None)
    return charter


class CharterWrongType(CharterRefused):
    key = "error.application.charter_type"


class CharterTooLarge(CharterRefused):
    key = "error.application.charter_size"
