"""Personal data in chat (PRIV-1 to PRIV-5): the processing notice (/privacy) and consent.

Binding shows the notice first and binds only once the user agrees; the notice's version is a
hash of its text in every language, so a changed notice (its wording, the controller, a
retention period) asks a bound user again at their next message, and nothing else is answered
until they agree or withdraw. Withdrawing unbinds the account.

Advisors read a notice of their own (what is held about a teacher, addressed with 您); an
account reads the notices of the records it is bound to, and agrees to them together (the
version hashes them all; a student's alone hashes as it always did). An account bound to no
record (a visitor, staff) reads what is held about the account itself; it has nothing to agree
to until it binds, and binding shows the record's notice first.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from functools import cache, partial

from pydantic import BaseModel

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.chat.i18n import plain, tr
from bot.chat.replies import Attachment, Button, Keyboard, Reply
from bot.core.context import Ctx
from bot.core.router import END, Audience, Flow, Input, Route, Router, Step
from bot.domain.policy import Policy
from bot.domain.privacy import (
    ACCOUNT_HOLDINGS,
    ACCOUNT_RIGHTS,
    ADVISOR_HOLDINGS,
    ADVISOR_RIGHTS,
    HOLDINGS,
    Right,
    retention_days,
)
from bot.domain.values import Language, Role
from bot.flows.common import known
from bot.render import personal, workbooks
from bot.services import identity
from bot.services import privacy as service
from bot.services.notices.privacy import ANSWER
from bot.services.notices.review import ASK_REVIEW, Subject
from bot.services.privacy import RequestKind

router = Router()

CONSENT = "consent"
# What a bound user who has not agreed to the current notice may still do.
_OPEN_COMMANDS = frozenset({"privacy", "language", "start", "cancel"})
_OPEN_BUTTONS = frozenset({CONSENT, "lang"})
VERSION_LENGTH = 12


def _named(language: Language, policy: Policy, field: str) -> str:
    """Who is responsible, as the deployer wrote it in the policy file; left at the default, in
    the reader's language (the default is the policy's English)."""
    value = str(getattr(policy, field))
    if value == Policy.model_fields[field].default:
        return tr(language, f"privacy.default.{field}")
    return value


def notice(language: Language, policy: Policy) -> str:
    """The processing notice (PRIV-1) in one language, with the policy's values."""
    lines = [
        tr(language, "privacy.title"),
        _controller(language, policy),
        "",
        tr(language, "privacy.held"),
    ]
    for holding in HOLDINGS:
        days = retention_days(policy, holding)
        keep = (
            tr(language, f"privacy.keep.{holding.category.value}", days=days)
            if days is not None
            else tr(language, f"privacy.keep.{holding.category.value}")
        )
        rules = tr(language, "privacy.separator").join(holding.purposes)
        what = tr(language, f"privacy.category.{holding.category.value}", rules=rules)
        lines.append(tr(language, "privacy.line", what=what, keep=keep))
    lines += ["", tr(language, "privacy.recipients"), ""]
    lines.append(tr(language, "privacy.rights"))
    lines += [tr(language, f"privacy.right.{right.value}") for right in Right]
    return "\n".join(lines)


def _controller(language: Language, policy: Policy) -> str:
    """Who handles the data and how to reach them, as the notices open."""
    return tr(
        language,
        "privacy.controller",
        controller=_named(language, policy, "privacy_controller"),
        contact=_named(language, policy, "privacy_contact"),
    )


def advisor_notice(language: Language, policy: Policy) -> str:
    """The processing notice for advisors (PRIV-1): what is held about a teacher, not a
    student's record; addressed as a teacher is (您)."""
    advisor = "privacy.advisor"
    lines = [
        tr(language, f"{advisor}.title"),
        _controller(language, policy),
        "",
        tr(language, "privacy.held"),
    ]
    separator = tr(language, "privacy.separator")
    for holding in ADVISOR_HOLDINGS:
        rules = separator.join(holding.purposes)
        what = tr(language, f"{advisor}.category.{holding.category.value}", rules=rules)
        keep = tr(
            language,
            f"{advisor}.keep.{holding.category.value}",
            days=policy.conversation_retention_days,
        )
        lines.append(tr(language, "privacy.line", what=what, keep=keep))
    lines += ["", tr(language, f"{advisor}.recipients"), ""]
    lines.append(tr(language, f"{advisor}.rights"))
    lines += [tr(language, f"{advisor}.right.{right}") for right in ADVISOR_RIGHTS]
    return "\n".join(lines)


def account_notice(language: Language, policy: Policy) -> str:
    """The processing notice for an account bound to no record (a visitor, staff, a reviewer):
    what its use of the bot leaves, and that binding a record shows that record's notice."""
    account = "privacy.account"
    lines = [
        tr(language, f"{account}.title"),
        _controller(language, policy),
        "",
        tr(language, f"{account}.held"),
    ]
    separator = tr(language, "privacy.separator")
    days = {
        "conversation": policy.conversation_retention_days,
        "updates": policy.update_retention_days,
    }
    for category, purposes in ACCOUNT_HOLDINGS:
        what = tr(language, f"{account}.category.{category}", rules=separator.join(purposes))
        keep = tr(language, f"{account}.keep.{category}", **days)
        lines.append(tr(language, "privacy.line", what=what, keep=keep))
    lines += ["", tr(language, f"{account}.recipients"), "", tr(language, f"{account}.binding")]
    lines += ["", tr(language, f"{account}.rights")]
    lines += [tr(language, f"{account}.right.{right}") for right in ACCOUNT_RIGHTS]
    return "\n".join(lines)


class Reader(StrEnum):
    """Whom a notice is for: a bound account reads the notices of the records it holds; one
    bound to none reads the account's."""

    STUDENT = "student"
    ADVISOR = "advisor"
    ACCOUNT = "account"


_NOTICES = {Reader.STUDENT: notice, Reader.ADVISOR: advisor_notice, Reader.ACCOUNT: account_notice}
STUDENT_ONLY = frozenset({Reader.STUDENT})
ADVISOR_ONLY = frozenset({Reader.ADVISOR})
ACCOUNT_ONLY = frozenset({Reader.ACCOUNT})


@cache
def version_for(policy: Policy, readers: frozenset[Reader]) -> str:
    """The version of the notices `readers` read: a hash of their text in every language (a
    change asks again). A student's alone hashes as it always has."""
    digest = hashlib.sha256()
    for reader in Reader:
        if reader in readers:
            for language in Language:
                digest.update(_NOTICES[reader](language, policy).encode())
    return digest.hexdigest()[:VERSION_LENGTH]


def notice_version(policy: Policy) -> str:
    """The student notice's version."""
    return version_for(policy, STUDENT_ONLY)


def advisor_notice_version(policy: Policy) -> str:
    """The advisor notice's version."""
    return version_for(policy, ADVISOR_ONLY)


def _bound(ctx: Ctx) -> bool:
    return ctx.student is not None or ctx.advisor_pk is not None


def _readers(ctx: Ctx) -> frozenset[Reader]:
    """The notices the account reads: those of the records it is bound to (a student's while
    it is bound to none)."""
    readers = {Reader.STUDENT} if ctx.student is not None else set()
    if ctx.advisor_pk is not None:
        readers.add(Reader.ADVISOR)
    return frozenset(readers) or STUDENT_ONLY


def _as_advisor(readers: frozenset[Reader]) -> bool:
    """Addressed as a teacher: the account holds no student record."""
    return Reader.STUDENT not in readers


def _key(readers: frozenset[Reader], key: str) -> str:
    return f"privacy.advisor.{key}" if _as_advisor(readers) else f"privacy.{key}"


def _agreed(ctx: Ctx, readers: frozenset[Reader] | None = None) -> bool:
    return ctx.consent == version_for(ctx.policy, readers or _readers(ctx))


def _text(ctx: Ctx, note: str | None = None, readers: frozenset[Reader] | None = None) -> str:
    readers = readers or _readers(ctx)
    bodies = [_NOTICES[reader](ctx.lang, ctx.policy) for reader in Reader if reader in readers]
    version = tr(ctx.lang, "privacy.version", version=version_for(ctx.policy, readers))
    return "\n\n".join(part for part in (note, *bodies, version) if part)


def _consent_buttons(ctx: Ctx) -> Keyboard:
    version = version_for(ctx.policy, _readers(ctx))
    return (
        (Button(ctx.t("privacy.agree"), callbacks.encode(CONSENT, "y", version)),),
        (Button(ctx.t("privacy.withdraw"), callbacks.encode(CONSENT, "n")),),
    )


@router.command("privacy")
async def privacy(ctx: Ctx, args: str) -> Step:
    if not _bound(ctx):
        # Bound to no record: what is held about the account itself; binding shows the
        # record's notice first.
        return Step.say(_text(ctx, readers=ACCOUNT_ONLY))
    if not _agreed(ctx):
        return Step.say(_text(ctx, ctx.t("privacy.changed")), _consent_buttons(ctx))
    withdraw = Button(ctx.t("privacy.withdraw"), callbacks.encode(CONSENT, "n"))
    agreed = ctx.t(_key(_readers(ctx), "agreed"))
    return Step.say(_text(ctx, agreed), ((withdraw,),))


@router.gate
async def consent_gate(ctx: Ctx, route: Route) -> Step | None:
    """A bound user who has not agreed to the current notice sees it, and nothing else."""
    if not _bound(ctx) or _agreed(ctx):
        return None
    if route.kind == "command" and route.name in _OPEN_COMMANDS:
        return None
    if route.kind == "button" and route.name in _OPEN_BUTTONS:
        return None
    return Step.say(_text(ctx, ctx.t("privacy.changed")), _consent_buttons(ctx))


async def before_binding(ctx: Ctx, code: str) -> Step | None:
    """The notice, asked before a binding code is used (None: already agreed to it, or not a
    code at all, which binding refuses as it does any wrong code)."""
    if not identity.looks_like_code(code):
        return None
    # Whom the code binds decides the notice and its words: an advisor's binds a staff record.
    advisor = await identity.is_advisor_code(ctx.tx, code)
    readers = _binding_readers(ctx, advisor)
    if _agreed(ctx, readers):
        return None
    version = version_for(ctx.policy, readers)
    data = callbacks.encode(CONSENT, "b", version, identity.normalize_code(code))
    agree = Button(ctx.t("privacy.advisor.agree_bind" if advisor else "privacy.agree_bind"), data)
    whose = "a" if advisor else "s"
    decline = Button(ctx.t("privacy.decline"), callbacks.encode(CONSENT, "d", whose))
    note = ctx.t("privacy.advisor.before_binding" if advisor else "privacy.before_binding")
    return Step.say(_text(ctx, note, readers), ((agree,), (decline,)))


def _binding_readers(ctx: Ctx, advisor: bool) -> frozenset[Reader]:
    """The notices the account reads once a code binds it: those of the records it holds
    already and of the one the code binds (a wrong code: a student's, as binding refuses it)."""
    held = {Reader.STUDENT} if ctx.student is not None else set()
    if ctx.advisor_pk is not None:
        held.add(Reader.ADVISOR)
    held.add(Reader.ADVISOR if advisor else Reader.STUDENT)
    return frozenset(held)


@router.callback(CONSENT)
async def consent_pressed(ctx: Ctx, cb: Callback) -> Step:
    action = cb.args[0] if cb.args else ""
    readers = _readers(ctx)
    version = version_for(ctx.policy, readers)
    match action, cb.args[1:]:
        case "b", (given, code) if given == version_for(
            ctx.policy, _binding_readers(ctx, await identity.is_advisor_code(ctx.tx, code))
        ):
            await service.consent(ctx.tx, ctx.now, ctx.user_id, given)
            ctx.consent = given
            from bot.flows.account import start

            return await start(ctx, code)
        case "y", (given,) if given == version:
            await service.consent(ctx.tx, ctx.now, ctx.user_id, version)
            ctx.consent = version
            return Step.say(ctx.t(_key(readers, "thanks")), edit=True)
        case "b", (_, code):
            # The notice changed since this one was shown: the current one is asked instead.
            return await before_binding(ctx, code) or Step.say(ctx.t("bind.wrong_code"))
        case "y", (_,):
            return Step.say(_text(ctx, ctx.t("privacy.changed")), _consent_buttons(ctx))
        case "d", ():
            return Step.say(ctx.t("privacy.declined"), edit=True)
        case "d", (whose,):
            declined = "privacy.advisor.declined" if whose == "a" else "privacy.declined"
            return Step.say(ctx.t(declined), edit=True)
        case "n", ():
            sure = Button(ctx.t("privacy.withdraw_yes"), callbacks.encode(CONSENT, "w"))
            keep = Button(ctx.t("privacy.fix.withdraw_no"), callbacks.encode(CONSENT, "k"))
            return Step.say(ctx.t(_key(readers, "withdraw_ask")), ((sure,), (keep,)))
        case "k", ():
            # Nothing changes: the consent given stays, and so does the binding.
            kept = (
                "privacy.advisor.withdraw_kept"
                if _as_advisor(readers)
                else "privacy.fix.withdraw_kept"
            )
            return Step.say(ctx.t(kept), edit=True)
        case "w", ():
            await service.withdraw(ctx.tx, ctx.now, ctx.user_id)
            return Step.say(ctx.t(_key(readers, "withdrawn")), edit=True)
    raise callbacks.BadCallback("unknown consent action")


# --- asking staff: a review of a refusal (PRIV-4), answered from /todo --------------------------


@router.callback(ASK_REVIEW)
async def ask_review(ctx: Ctx, cb: Callback) -> Step:
    """ "Ask staff to review" under a refusal that rests on restricted data."""
    subjects = {s.value: s for s in Subject}
    if len(cb.args) != 2 or cb.args[0] not in subjects:
        raise callbacks.BadCallback("unknown review subject")
    target = cb.int_arg(1)
    if ctx.student is None:
        return Step.say(ctx.t("error.not_bound"))
    match subjects[cb.args[0]]:
        case Subject.ELECTION:
            subject = ctx.t("privacy.review_subject.election", id=target)
        case Subject.SPONSOR if target:
            subject = ctx.t("privacy.review_subject.sponsor", id=target)
        case Subject.SPONSOR:
            subject = ctx.t("privacy.review_subject.sponsor_new")
    filed = await service.ask(
        ctx.tx, ctx.now, ctx.user_id, ctx.student.id, RequestKind.REVIEW, plain(subject)
    )
    return Step.say(ctx.t("privacy.review_sent" if filed else "privacy.review_waiting"))


class AnswerState(StrEnum):
    TEXT = "text"


class AnswerData(BaseModel):
    request_id: int


async def _staff(ctx: Ctx) -> bool:
    return Role.STAFF in await ctx.roles()


@router.callback(ANSWER)
async def answer_pressed(ctx: Ctx, cb: Callback) -> Step:
    """Staff's Answer button on a request in /todo: asks for the answer's text."""
    request_id = cb.int_arg(0)
    if not await _staff(ctx):
        return Step.say(ctx.t("error.staff_only"))
    data = AnswerData(request_id=request_id)
    text = ctx.t("privacy.ask_answer", id=request_id)
    return Step.ask("privanswer", AnswerState.TEXT, data, text, [])


async def on_answer(ctx: Ctx, data: AnswerData, given: Input) -> Step:
    text = " ".join((given.text or "").split())
    if not text:
        ask = ctx.t("privacy.ask_answer", id=data.request_id)
        return Step.ask("privanswer", AnswerState.TEXT, data, ask, [])
    if not await _staff(ctx):
        return Step.say(ctx.t("error.staff_only"))
    found = await service.answer(ctx.tx, ctx.now, ctx.user_id, data.request_id, text[:2000])
    if found is None:
        return Step.say(ctx.t("privacy.answered_already", id=data.request_id))
    return Step.say(ctx.t("privacy.answer_sent", id=data.request_id, name=found.name or "—"))


router.flow(
    Flow(
        name="privanswer",
        data_type=AnswerData,
        states={AnswerState.TEXT.value: on_answer},
        starts=frozenset({AnswerState.TEXT}),
        transitions={AnswerState.TEXT: frozenset({AnswerState.TEXT, END})},
    )
)


# --- /mydata: a copy of everything held (PRIV-2) -----------------------------------------------


# Everyone may ask for their copy; the menu offers it to those the bot holds records about.
@router.command(
    "mydata",
    Audience.STUDENT,
    Audience.ADVISOR,
    Audience.STAFF,
    Audience.REVIEWER,
    Audience.UNIT_REP,
)
async def mydata(ctx: Ctx, args: str) -> Step:
    advisor = await ctx.advisor()
    sections = await service.copy(ctx.tx, ctx.now, ctx.user_id, ctx.student, advisor)
    if ctx.student is not None:
        whose, caption_key = ctx.student.student_id, "privacy.copy_caption"
    elif advisor is not None:
        whose, caption_key = advisor.staff_id, "mydata.caption.advisor"
    else:
        whose, caption_key = str(ctx.user_id), "mydata.caption.account"
    stem = f"mydata-{whose}-{ctx.today.isoformat()}"
    rows = sum(len(s.rows) for s in sections)
    caption = ctx.t(caption_key, tables=len(sections), rows=rows)
    # The workbook is for the person to read: tables, columns and markers in their language.
    words = personal.Words(
        tables={s.table: plain(known(ctx, f"mydata.table.{s.table}", s.table)) for s in sections},
        columns={
            c: plain(known(ctx, f"mydata.column.{c}", c)) for s in sections for c in s.header
        },
        held=plain(ctx.t("mydata.cell.held")),
        yes=plain(ctx.t("mydata.cell.yes")),
        no=plain(ctx.t("mydata.cell.no")),
    )
    return Step(
        replies=[
            Reply(
                caption,
                attachment=Attachment(
                    f"{stem}.json",
                    partial(personal.as_json, sections, ctx.now),
                    "application/json",
                ),
            ),
            Reply(
                ctx.t("privacy.copy_xlsx"),
                attachment=Attachment(
                    f"{stem}.xlsx", partial(personal.as_workbook, sections, words), workbooks.XLSX
                ),
            ),
        ]
    )


# --- /correct and /delete (PRIV-2) --------------------------------------------------------------

ERASE = "erase"
CORRECTION_MAX = 1000


class CorrectState(StrEnum):
    TEXT = "text"


class CorrectData(BaseModel):
    pass


def _correction_key(ctx: Ctx, key: str) -> str:
    """A student is addressed as one (你); an advisor with no student record as a teacher."""
    return f"privacy.advisor.{key}" if ctx.student is None else f"privacy.{key}"


# Offered by /privacy, which explains them; the menu keeps to everyday commands.
@router.command("correct", Audience.STUDENT, Audience.ADVISOR, menu=False)
async def correct(ctx: Ctx, args: str) -> Step:
    if not _bound(ctx):
        return Step.say(ctx.t("error.not_bound"))
    if args.strip():
        return await on_correction(ctx, CorrectData(), Input(text=args))
    ask = ctx.t(_correction_key(ctx, "ask_correction"))
    return Step.ask("correct", CorrectState.TEXT, CorrectData(), ask, [])


async def on_correction(ctx: Ctx, data: CorrectData, given: Input) -> Step:
    text = " ".join((given.text or "").split())
    if not text:
        ask = ctx.t(_correction_key(ctx, "ask_correction"))
        return Step.ask("correct", CorrectState.TEXT, data, ask, [])
    if not _bound(ctx):
        return Step.say(ctx.t("error.not_bound"))
    if len(text) > CORRECTION_MAX:
        ask = ctx.t("error.profile.too_long", length=len(text), max=CORRECTION_MAX)
        return Step.ask("correct", CorrectState.TEXT, data, ask, [])
    filed = await service.request_correction(ctx.tx, ctx.now, ctx.user_id, ctx.student, text)
    sent = _correction_key(ctx, "correction_sent" if filed else "review_waiting")
    return Step.say(ctx.t(sent))


router.flow(
    Flow(
        name="correct",
        data_type=CorrectData,
        states={CorrectState.TEXT.value: on_correction},
        starts=frozenset({CorrectState.TEXT}),
        transitions={CorrectState.TEXT: frozenset({CorrectState.TEXT, END})},
    )
)


@router.command("delete", Audience.STUDENT, menu=False)
async def delete(ctx: Ctx, args: str) -> Step:
    if ctx.student is None:
        return Step.say(ctx.t("error.not_bound"))
    sure = Button(ctx.t("privacy.delete_yes"), callbacks.encode(ERASE, "y"))
    keep = Button(ctx.t("privacy.delete_no"), callbacks.encode(ERASE, "n"))
    return Step.say(ctx.t("privacy.delete_ask"), ((sure,), (keep,)))


@router.callback(ERASE)
async def erase_pressed(ctx: Ctx, cb: Callback) -> Step:
    if cb.args == ("n",):
        return Step.say(ctx.t("privacy.delete_kept"), edit=True)
    if cb.args != ("y",):
        raise callbacks.BadCallback("unknown erase action")
    if ctx.student is None:
        return Step.say(ctx.t("error.not_bound"), edit=True)
    done = await service.erase(ctx.tx, ctx.now, ctx.user_id, ctx.student)
    erased = sum(done.erased.values())
    lines = [ctx.t("privacy.deleted", rows=erased)]
    lines += [ctx.t(f"privacy.kept.{table}", rows=count) for table, count in done.kept.items()]
    lines.append(ctx.t("privacy.kept.student"))
    lines.append(ctx.t("privacy.kept.processed_update"))
    return Step.say("\n".join(lines), edit=True)
