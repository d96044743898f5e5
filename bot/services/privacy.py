"""Personal data (PRIV-1 to PRIV-5): consent to the processing notice, and the rights a student
exercises in chat. The notice itself is written by the flow (bot/flows/privacy.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.policy import Policy
from bot.domain.privacy import ADVISOR_RESTRICTED_COLUMNS, RESTRICTED_COLUMNS
from bot.domain.values import Advisor, Student, StudentStatus
from bot.services.applications.machine import AppState
from bot.services.notices import privacy as notices
from storage import audit, people
from storage import pages as kept_pages
from storage import privacy as store
from storage.todo import LIMIT
from storage.tx import Tx


async def consent(tx: Tx, now: datetime, user_id: int, version: str) -> None:
    """PRIV-1: the account agreed to the notice `version`; the audit log keeps that it did."""
    await store.give_consent(tx, user_id, version, now)
    await audit.append(
        tx, now, user_id, "privacy.consent", subject=f"user:{user_id}", after={"version": version}
    )


async def withdraw(tx: Tx, now: datetime, user_id: int) -> None:
    """PRIV-1: the account withdrew its consent: it is unbound from its records, so nothing is
    processed for it until it binds (and agrees) again."""
    await store.withdraw_consent(tx, user_id)
    await audit.append(tx, now, user_id, "privacy.withdraw", subject=f"user:{user_id}")


# What a copy shows in place of a restricted value (PRIV-4): staff show it in person.
HELD_NOT_SHOWN = "held; shown by staff in person (PRIV-4)"
# The restricted columns of each record table.
RESTRICTED = {"student": RESTRICTED_COLUMNS, "advisor": ADVISOR_RESTRICTED_COLUMNS}


class RequestKind(StrEnum):
    """What a student asked staff for."""

    REVIEW = "review"  # of a refusal that rests on restricted data (PRIV-4)
    CORRECTION = "correction"  # of something held about them (PRIV-2)


async def ask(
    tx: Tx, now: datetime, user_id: int, student_pk: int | None, kind: RequestKind, text: str
) -> bool:
    """File a request for staff (/todo); False when the same one already waits."""
    filed = await store.add_request(tx, kind.value, student_pk, user_id, text, now)
    if filed is None:
        return False
    await audit.append(
        tx, now, user_id, f"privacy.{kind.value}", subject=f"request:{filed}", after={"text": text}
    )
    return True


async def waiting(tx: Tx) -> list[store.Request]:
    """The requests staff have not answered yet (at most `todo_store.LIMIT`)."""
    return await store.open_requests(tx, LIMIT)


async def answer(
    tx: Tx, now: datetime, by: int, request_id: int, text: str
) -> store.Request | None:
    """Staff answer a request, once; the answer is queued to the student. None when it was
    answered already (or never existed)."""
    found = await store.request(tx, request_id)
    if found is None or not await store.answer_request(tx, request_id, text, by, now):
        return None
    lang = await people.language_of(tx, found.user_id)
    await notices.tell_answer(tx, now, lang, found, text)
    await audit.append(
        tx, now, by, "privacy.answer", subject=f"request:{request_id}", after={"answer": text}
    )
    return found


async def copy(
    tx: Tx, now: datetime, user_id: int, student: Student | None, advisor: Advisor | None = None
) -> list[store.Section]:
    """PRIV-2: everything held about the person, table by table: their student record, their
    advisor record, or neither (staff, a visitor: what names their Telegram account). The
    restricted columns say they are held (PRIV-4); the audit log keeps who asked, what and why
    (PRIV-5)."""
    accounts = {user_id}
    if student is not None:
        accounts.update(await store.accounts_of(tx, student.id))
    if advisor is not None:
        accounts.update(await store.accounts_of_advisor(tx, advisor.id))
    person = store.Person(
        tuple(sorted(accounts)),
        student.id if student is not None else None,
        student.student_id if student is not None else None,
        advisor.id if advisor is not None else None,
        advisor.staff_id if advisor is not None else None,
    )
    sections = await store.held_about(tx, person)
    if student is not None:
        subject = f"student:{student.student_id}"
    elif advisor is not None:
        subject = f"advisor:{advisor.staff_id}"
    else:
        subject = f"user:{user_id}"
    await audit.append(
        tx,
        now,
        user_id,
        "privacy.access",
        subject=subject,
        after={"what": "/mydata", "why": "PRIV-2", "tables": [s.table for s in sections]},
    )
    return [_masked(section) for section in sections]


def _masked(section: store.Section) -> store.Section:
    restricted = RESTRICTED.get(section.table)
    if restricted is None:
        return section
    hidden = [i for i, name in enumerate(section.header) if name in restricted]
    rows = [
        tuple(HELD_NOT_SHOWN if i in hidden else cell for i, cell in enumerate(row))
        for row in section.rows
    ]
    return store.Section(section.table, section.header, rows)


async def staff_read(
    tx: Tx, now: datetime, user_id: int, student_id: str, what: str, why: str
) -> None:
    """PRIV-5: a staff read or export of a person's data, into the audit log."""
    await audit.append(
        tx,
        now,
        user_id,
        "privacy.staff_read",
        subject=f"student:{student_id}",
        after={"what": what, "why": why},
    )


async def staff_export(
    tx: Tx, now: datetime, user_id: int, club_id: int, student_ids: list[str], what: str
) -> None:
    """PRIV-5: a staff export naming these students, into the audit log (one entry)."""
    await audit.append(
        tx,
        now,
        user_id,
        "privacy.staff_export",
        club_id=club_id,
        subject=what,
        after={"what": what, "why": "REG-9", "students": student_ids},
    )


async def erase(tx: Tx, now: datetime, user_id: int, student: Student) -> store.Erasure:
    """PRIV-2: erase what no rule requires keeping and pseudonymise the rest; the account is
    unbound and forgotten. The audit log keeps that it happened, under the record's number."""
    accounts = sorted({user_id, *await store.accounts_of(tx, student.id)})
    done = await store.erase(tx, now, student.id, student.student_id, accounts)
    await audit.append(
        tx,
        now,
        None,
        "privacy.erase",
        subject=f"student:erased-{student.id}",
        after={"erased": done.erased, "kept": done.kept},
    )
    return done


async def request_correction(
    tx: Tx, now: datetime, user_id: int, student: Student | None, text: str
) -> bool:
    """PRIV-2: a correction request for staff (/todo), about the student's record or (with no
    student) the advisor record the account is bound to; False when the same one already
    waits."""
    student_pk = student.id if student is not None else None
    return await ask(tx, now, user_id, student_pk, RequestKind.CORRECTION, text)


@dataclass(frozen=True, slots=True)
class Swept:
    """What one retention sweep removed (PRIV-3)."""

    updates: int
    codes: int
    conversations: int
    leavers: int
    drafts: int = 0
    # The kept pages of paged answers (a /ledger request's) past their time.
    pages: int = 0


async def sweep(tx: Tx, policy: Policy, now: datetime) -> Swept:
    """PRIV-3: forget what has outlived its purpose, by the policy's periods; the audit log
    records how much (not whom: the entry would outlive what it names)."""
    days = timedelta(days=1)
    swept = Swept(
        updates=await store.forget_processed(tx, now - policy.update_retention_days * days),
        codes=await store.forget_unused_codes(tx, now - policy.unused_code_retention_days * days),
        conversations=await store.forget_conversations(
            tx, now - policy.conversation_retention_days * days
        ),
        leavers=len(
            await store.unbind_leavers(
                tx, StudentStatus.ENROLLED.value, now - policy.leaver_retention_days * days
            )
        ),
        drafts=await store.forget_expired_drafts(
            tx, AppState.EXPIRED.value, now - policy.expired_draft_retention_days * days
        ),
        pages=await kept_pages.forget(tx, now - timedelta(minutes=policy.kept_pages_minutes)),
    )
    if swept.codes or swept.conversations or swept.leavers or swept.drafts:
        await audit.append(tx, now, None, "privacy.sweep", after=asdict(swept))
    return swept
