"""/finance: officers keep the club's money (ACT-7 to ACT-9).

CLUB (when they hold office in several) -> BOOK (a semester's lines, sums and balance; earlier
semesters a button away) -> a line: DAY -> AMOUNT -> CATEGORY -> DESCRIPTION -> VOUCHER -> BOOK;
the semester's statement to the members: STATEMENT (confirm) -> BOOK. Every step checks again
that the user holds office in the club. The moves are drawn in finance.mmd, next to this module.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel

from bot.chat.i18n import Html, tr
from bot.chat.replies import Button
from bot.core import permissions
from bot.core.context import Ctx
from bot.core.router import END, Flow, Input, Router, Step
from bot.domain.finance import (
    CATEGORIES,
    Line,
    LineCategory,
    LineKind,
    StatementSent,
    VoucherWrongType,
    parse_amount,
    yuan,
)
from bot.domain.values import DomainError
from bot.flows import officer_club
from bot.flows.common import clip
from bot.services import finance as service
from bot.services.documents import megabytes
from bot.services.notices import money as money_notices
from storage import clubs
from storage.finance import NewLine

router = Router()
FLOW = "finance"
# How far back the book may go, in semesters.
BACK_MAX = 20


class FinanceStep(StrEnum):
    CLUB = "club"
    BOOK = "book"
    DAY = "day"
    AMOUNT = "amount"
    CATEGORY = "category"
    DESCRIPTION = "description"
    VOUCHER = "voucher"
    STATEMENT = "statement"


class FinanceData(BaseModel):
    club_id: int = 0
    back: int = 0  # semesters before the current one
    kind: LineKind | None = None
    on_date: date | None = None
    amount_fen: int | None = None
    category: LineCategory | None = None
    description: str | None = None


def _err(ctx: Ctx, err: DomainError) -> str:
    return tr(ctx.lang, err.key, **err.params)


_WHICH = officer_club.ClubQuestion(FLOW, FinanceStep.CLUB, "finance")


def _open(ctx: Ctx) -> officer_club.Open:
    return lambda club_id: _book(ctx, FinanceData(club_id=club_id))


@permissions.command(router, "finance")
async def finance_command(ctx: Ctx, args: str) -> Step:
    return await officer_club.start(ctx, _WHICH, FinanceData(), _open(ctx))


async def on_club(ctx: Ctx, data: FinanceData, given: Input) -> Step:
    return await officer_club.chosen(ctx, _WHICH, data, given, _open(ctx))


def _line(ctx: Ctx, line: Line) -> str:
    sign = "+" if line.kind is LineKind.INCOME else "−"
    text = ctx.t(
        "finance.line",
        day=line.on_date.isoformat(),
        amount=f"{sign}{yuan(line.amount_fen)}",
        category=ctx.t(f"finance.category.{line.category.value}"),
        description=clip(line.description, 60),
    )
    if line.voucher is None:
        return text + " " + ctx.t("finance.no_voucher_mark")
    return text + " 📎"


async def _book(ctx: Ctx, data: FinanceData, note: str | None = None) -> Step:
    club = await service.club_of(ctx.tx, ctx.student, data.club_id)
    found = await service.book(ctx.tx, ctx.policy, ctx.cal, ctx.now, club.id, data.back)
    lines = [_line(ctx, line) for line in found.lines]
    if found.statement_sent is not None:
        sent = ctx.t("finance.sent_on", day=found.statement_sent.isoformat())
    else:
        sent = ctx.t("finance.not_sent")
    text = ctx.t(
        "finance.book",
        club=club.name,
        semester=money_notices.semester_name(ctx.lang, found.semester),
        lines=Html("\n".join(lines)) if lines else ctx.t("finance.no_lines"),
        income=yuan(found.sums.income_fen),
        expense=yuan(found.sums.expense_fen),
        balance=yuan(found.balance_fen),
        sent=sent,
    )
    if found.sums.lines > len(found.lines):
        text += "\n" + ctx.t("finance.more", n=found.sums.lines - len(found.lines))
    rows: list[list[Button]] = [
        [
            ctx.choice(ctx.t("finance.button.income"), "income"),
            ctx.choice(ctx.t("finance.button.expense"), "expense"),
        ],
        [ctx.choice(ctx.t("finance.button.earlier"), "earlier")]
        + ([ctx.choice(ctx.t("finance.button.later"), "later")] if data.back > 0 else []),
    ]
    if data.back <= service.STATEMENT_BACK and found.statement_sent is None:
        rows.append([ctx.choice(ctx.t("finance.button.statement"), "statement")])
    rows.append([ctx.choice(ctx.t("finance.button.done"), "done")])
    fresh = FinanceData(club_id=club.id, back=data.back)
    return Step.ask(FLOW, FinanceStep.BOOK, fresh, text, rows, note)


async def on_book(ctx: Ctx, data: FinanceData, given: Input) -> Step:
    await service.club_of(ctx.tx, ctx.student, data.club_id)
    choice = given.choice or ""
    if choice == "done":
        return Step.say(ctx.t("finance.closed"))
    if choice in {k.value for k in LineKind}:
        return _day(ctx, data.model_copy(update={"kind": LineKind(choice)}))
    if choice == "earlier":
        return await _book(ctx, data.model_copy(update={"back": min(data.back + 1, BACK_MAX)}))
    if choice == "later":
        return await _book(ctx, data.model_copy(update={"back": max(data.back - 1, 0)}))
    if choice == "statement" and data.back <= service.STATEMENT_BACK:
        return await _statement(ctx, data)
    return await _book(ctx, data, ctx.t("finance.use_buttons"))


def _day(ctx: Ctx, data: FinanceData, note: str | None = None) -> Step:
    assert data.kind is not None
    rows = [[ctx.choice(ctx.t("finance.button.today"), "today")]]
    text = ctx.t("finance.ask_day", kind=ctx.t(f"finance.kind.{data.kind.value}"))
    return Step.ask(FLOW, FinanceStep.DAY, data, text, rows, note)


async def on_day(ctx: Ctx, data: FinanceData, given: Input) -> Step:
    await service.club_of(ctx.tx, ctx.student, data.club_id)
    if given.choice == "today":
        day = ctx.today
    elif given.text:
        try:
            day = service.parse_day(ctx.cal, ctx.now, given.text)
        except DomainError as err:
            return _day(ctx, data, _err(ctx, err))
    else:
        return _day(ctx, data, ctx.t("finance.type_it"))
    return _amount(ctx, data.model_copy(update={"on_date": day}))


def _amount(ctx: Ctx, data: FinanceData, note: str | None = None) -> Step:
    return Step.ask(FLOW, FinanceStep.AMOUNT, data, ctx.t("finance.ask_amount"), [], note)


async def on_amount(ctx: Ctx, data: FinanceData, given: Input) -> Step:
    await service.club_of(ctx.tx, ctx.student, data.club_id)
    try:
        fen = parse_amount(ctx.policy, given.text or "")
    except DomainError as err:
        return _amount(ctx, data, _err(ctx, err))
    return _category(ctx, data.model_copy(update={"amount_fen": fen}))


def _category(ctx: Ctx, data: FinanceData, note: str | None = None) -> Step:
    assert data.kind is not None
    rows = [
        [ctx.choice(ctx.t(f"finance.category.{c.value}"), c.value)] for c in CATEGORIES[data.kind]
    ]
    return Step.ask(FLOW, FinanceStep.CATEGORY, data, ctx.t("finance.ask_category"), rows, note)


async def on_category(ctx: Ctx, data: FinanceData, given: Input) -> Step:
    await service.club_of(ctx.tx, ctx.student, data.club_id)
    assert data.kind is not None
    try:
        category = LineCategory(given.choice or "")
    except ValueError:
        return _category(ctx, data, ctx.t("finance.use_buttons"))
    try:
        await service.check_line(ctx.tx, data.club_id, data.kind, category)
    except DomainError as err:
        return _category(ctx, data, _err(ctx, err))
    return _description(ctx, data.model_copy(update={"category": category}))


def _description(ctx: Ctx, data: FinanceData, note: str | None = None) -> Step:
    text = ctx.t("finance.ask_description")
    return Step.ask(FLOW, FinanceStep.DESCRIPTION, data, text, [], note)


async def on_description(ctx: Ctx, data: FinanceData, given: Input) -> Step:
    await service.club_of(ctx.tx, ctx.student, data.club_id)
    try:
        text = service.parse_description(given.text or "")
    except DomainError as err:
        return _description(ctx, data, _err(ctx, err))
    return _voucher(ctx, data.model_copy(update={"description": text}))


def _voucher(ctx: Ctx, data: FinanceData, note: str | None = None) -> Step:
    rows = [[ctx.choice(ctx.t("finance.button.no_voucher"), "none")]]
    text = ctx.t(
        "finance.ask_voucher",
        types=ctx.join(ctx.policy.voucher_types),
        limit=megabytes(ctx.policy.charter_max_bytes),
    )
    return Step.ask(FLOW, FinanceStep.VOUCHER, data, text, rows, note)


async def on_voucher(ctx: Ctx, data: FinanceData, given: Input) -> Step:
    await service.club_of(ctx.tx, ctx.student, data.club_id)
    voucher = None
    if given.document is not None:
        try:
            voucher = service.voucher_of(ctx.policy, given.document)
        except VoucherWrongType:
            types = ctx.join(ctx.policy.voucher_types)
            return _voucher(ctx, data, ctx.t("error.finance.voucher_type", types=types))
        except DomainError as err:
            return _voucher(ctx, data, _err(ctx, err))
    elif given.choice != "none":
        return _voucher(ctx, data, ctx.t("finance.send_document"))
    assert data.kind is not None
    assert data.on_date is not None
    assert data.amount_fen is not None
    assert data.category is not None
    assert data.description is not None
    line = NewLine(data.kind, data.on_date, data.amount_fen, data.category, data.description)
    try:
        await service.record(
            ctx.tx,
            ctx.policy,
            ctx.cal,
            ctx.now,
            ctx.user_id,
            ctx.student,
            data.club_id,
            line,
            voucher,
        )
    except DomainError as err:
        return await _book(ctx, data, _err(ctx, err))
    note = ctx.t("finance.recorded", amount=yuan(line.amount_fen))
    if voucher is None:
        note += "\n" + ctx.t("finance.voucher_missing")
    if line.category is LineCategory.DUES:
        dues = (await clubs.profile(ctx.tx, data.club_id)).dues
        note += "\n" + ctx.t("finance.dues_note", dues=dues)
    back = service.back_of(ctx.policy, ctx.cal, ctx.now, line.on_date)
    return await _book(ctx, data.model_copy(update={"back": back}), note)


async def _statement(ctx: Ctx, data: FinanceData) -> Step:
    club = await service.club_of(ctx.tx, ctx.student, data.club_id)
    current = await service.book(ctx.tx, ctx.policy, ctx.cal, ctx.now, club.id, data.back)
    readers = await service.statement_readers(ctx.tx, club.id)
    text = ctx.t(
        "finance.ask_statement",
        members=readers,
        statement=Html(money_notices.statement_text(ctx.lang, club.name, current)),
    )
    rows = [
        [
            ctx.choice(ctx.t("finance.button.send"), "send"),
            ctx.choice(ctx.t("button.back"), "back"),
        ]
    ]
    return Step.ask(FLOW, FinanceStep.STATEMENT, data, text, rows)


async def on_statement(ctx: Ctx, data: FinanceData, given: Input) -> Step:
    if given.choice == "send":
        try:
            told = await service.send_statement(
                ctx.tx,
                ctx.policy,
                ctx.cal,
                ctx.now,
                ctx.user_id,
                ctx.student,
                data.club_id,
                data.back,
            )
        except StatementSent as err:
            return await _book(ctx, data, _err(ctx, err))
        return await _book(ctx, data, ctx.t("finance.statement_sent", members=told))
    if given.choice == "back":
        return await _book(ctx, data)
    return await _book(ctx, data, ctx.t("finance.use_buttons"))


S = FinanceStep
router.flow(
    Flow(
        name=FLOW,
        data_type=FinanceData,
        states={
            S.CLUB.value: on_club,
            S.BOOK.value: on_book,
            S.DAY.value: on_day,
            S.AMOUNT.value: on_amount,
            S.CATEGORY.value: on_category,
            S.DESCRIPTION.value: on_description,
            S.VOUCHER.value: on_voucher,
            S.STATEMENT.value: on_statement,
        },
        starts=frozenset({S.CLUB, S.BOOK}),
        transitions={
            S.CLUB: frozenset({S.CLUB, S.BOOK}),
            S.BOOK: frozenset({S.BOOK, S.DAY, S.STATEMENT, END}),
            S.DAY: frozenset({S.DAY, S.AMOUNT}),
            S.AMOUNT: frozenset({S.AMOUNT, S.CATEGORY}),
            S.CATEGORY: frozenset({S.CATEGORY, S.DESCRIPTION}),
            S.DESCRIPTION: frozenset({S.DESCRIPTION, S.VOUCHER}),
            S.VOUCHER: frozenset({S.VOUCHER, S.BOOK}),
            S.STATEMENT: frozenset({S.BOOK}),
        },
    )
)
