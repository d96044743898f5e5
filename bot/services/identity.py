"""Binding a Telegram account to a student record with a one-time code."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.policy import Policy
from bot.domain.values import Advisor, Language, Student
from storage import advisors, people
from storage.tx import Tx

# No 0/O or 1/I: codes are typed by hand from a printed letter as often as opened as links.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


class BindOutcome(StrEnum):
    BOUND = "bound"
    ALREADY_BOUND = "already_bound"
    WRONG_CODE = "wrong_code"
    TOO_MANY_ATTEMPTS = "too_many_attempts"


@dataclass(frozen=True, slots=True)
class BindResult:
    outcome: BindOutcome
    student: Student | None = None
    advisor: Advisor | None = None


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    return "".join(raw.split()).replace("-", "").upper()


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def looks_like_code(raw: str) -> bool:
    code = normalize_code(raw)
    return len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code)


async def bind(
    tx: Tx, policy: Policy, now: datetime, user_id: int, current: Student | None, raw_code: str
) -> BindResult:
    """Bind the user's account to a student or an advisor with a one-time code; wrong codes
    are counted and limited. One account may hold a student record and an advisor record."""
    window_start = now - timedelta(minutes=policy.bind_failure_window_minutes)
    if await people.count_failures(tx, user_id, window_start) >= policy.bind_max_failures:
        return BindResult(BindOutcome.TOO_MANY_ATTEMPTS)
    code = (
        await people.code_by_hash(tx, code_hash(raw_code)) if looks_like_code(raw_code) else None
    )
    if code is None or code.advisor_pk is None:
        if current is not None:
            return BindResult(BindOutcome.ALREADY_BOUND, current)
    else:
        bound = await people.advisor_of_account(tx, user_id)
        if bound is not None:
            return BindResult(BindOutcome.ALREADY_BOUND, advisor=bound)
    taken = code is not None and (
        (code.student_pk is not None and await people.account_of_student(tx, code.student_pk))
        or (code.advisor_pk is not None and await people.account_of_advisor(tx, code.advisor_pk))
    )
    if code is None or code.used_at or code.revoked_at or taken:
        await people.record_failure(tx, user_id, now)
        return BindResult(BindOutcome.WRONG_CODE)
    await people.use_code(tx, code.code_hash, now)
    if code.advisor_pk is not None:
        await people.revoke_codes(tx, None, now, advisor_pk=code.advisor_pk)
        await people.bind_advisor(tx, user_id, code.advisor_pk, now)
        return BindResult(
            BindOutcome.BOUND, advisor=await advisors.advisor_by_pk(tx, code.advisor_pk)
        )
    assert code.student_pk is not None
    await people.revoke_codes(tx, code.student_pk, now)
    await people.bind(tx, user_id, code.student_pk, now)
    return BindResult(BindOutcome.BOUND, await people.student_by_pk(tx, code.student_pk))


async def is_advisor_code(tx: Tx, raw_code: str) -> bool:
    """Whether the code is an advisor's (read only: nothing is used or counted), so binding
    shows the notice the person it binds will read (PRIV-1)."""
    if not looks_like_code(raw_code):
        return False
    code = await people.code_by_hash(tx, code_hash(raw_code))
    return code is not None and code.advisor_pk is not None


async def choose_language(tx: Tx, user_id: int, language: Language) -> None:
    """The language the bot speaks to this user, from their next message on."""
    await people.choose_language(tx, user_id, language)


async def issue_code(tx: Tx, student: Student, now: datetime) -> str:
    """A fresh one-time code for the student; their earlier unused codes stop working."""
    code = new_code()
    await people.issue_code(tx, student.id, code_hash(code), now)
    return code


async def issue_codes(tx: Tx, now: datetime) -> list[tuple[Student, str]]:
    """A fresh code for every enrolled student without a bound account (older codes revoked)."""
    issued = [(student, new_code()) for student in await people.enrolled_unbound(tx)]
    hashes = [(student.id, code_hash(code)) for student, code in issued]
    await people.replace_unbound_codes(tx, hashes, now)
    return issued


async def issue_advisor_codes(tx: Tx, now: datetime) -> list[tuple[Advisor, str]]:
    """A fresh code for every advisor without a bound account (older codes revoked)."""
    issued = [(advisor, new_code()) for advisor in await advisors.unbound(tx)]
    hashes = [(advisor.id, code_hash(code)) for advisor, code in issued]
    await people.replace_unbound_codes(tx, hashes, now, advisors=True)
    return issued
