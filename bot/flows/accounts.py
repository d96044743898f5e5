"""/accounts: officers record the club's online accounts (ACT-6).

CLUB (when they hold office in several) -> LIST (the accounts, each with its responsible
officer) -> add: PLATFORM -> HANDLE -> OPENED -> RESPONSIBLE -> LIST; change who answers for
one: RESPONSIBLE -> LIST; remove one: REMOVE (confirm) -> LIST. Every step checks again that
the user holds office in the club. The moves are drawn in accounts.mmd, next to this module.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel

from bot.chat.i18n import Html, tr
from bot.chat.replies import Button
from bot.chat.text import prefixed_number
from bot.core import permissions
from bot.core.context import Ctx
from bot.core.router import END, Flow, Input, Router, Step
from bot.domain.accounts import (
    ClubAccount,
    DuplicateAccount,
    NoSuchAccount,
    NotAnOfficer,
    Platform,
    recorded_late,
)
from bot.domain.values import DomainError
from bot.flows import officer_club
from bot.flows.common import clip
from bot.services import accounts as service

router = Router()
FLOW = "accounts"


class AccountsStep(StrEnum):
    CLUB = "club"
    LIST = "list"
    PLATFORM = "platform"
    HANDLE = "handle"
    OPENED = "opened"
    RESPONSIBLE = "responsible"
    REMOVE = "remove"


class AccountsData(BaseModel):
    club_id: int = 0
    account_id: int | None = None  # the account whose officer changes, or that is removed
    platform: str | None = None
    handle: str | None = None
    opened_on: date | None = None


def _err(ctx: Ctx, err: DomainError) -> str:
    return tr(ctx.lang, err.key, **err.params)


_WHICH = officer_club.ClubQuestion(FLOW, AccountsStep.CLUB, "accounts")


def _open(ctx: Ctx) -> officer_club.Open:
    return lambda club_id: _list(ctx, AccountsData(club_id=club_id))


@permissions.command(router, "accounts")
async def accounts_command(ctx: Ctx, args: str) -> Step:
    return await officer_club.start(ctx, _WHICH, AccountsData(), _open(ctx))


async def on_club(ctx: Ctx, data: AccountsData, given: Input) -> Step:
    return await officer_club.chosen(ctx, _WHICH, data, given, _open(ctx))


def _line(ctx: Ctx, n: int, account: ClubAccount) -> str:
    line = ctx.t(
        "accounts.line",
        n=n,
        platform=ctx.t(f"accounts.platform.{account.platform.value}"),
        handle=account.handle,
        responsible=account.responsible,
    )
    if not account.responsible_in_office:
        line += " " + ctx.t("accounts.left_office")
    return line


async def _list(ctx: Ctx, data: AccountsData, note: str | None = None) -> Step:
    club = await service.club_of(ctx.tx, ctx.student, data.club_id)
    found = await service.listed(ctx.tx, ctx.student, club.id)
    rows: list[list[Button]] = []
    for n, account in enumerate(found, 1):
        rows.append(
            [
                ctx.choice(ctx.t("accounts.button.responsible", n=n), f"o{account.id}"),
                ctx.choice(ctx.t("accounts.button.remove", n=n), f"r{account.id}"),
            ]
        )
    rows.append([ctx.choice(ctx.t("accounts.button.add"), "add")])
    rows.append([ctx.choice(ctx.t("accounts.button.done"), "done")])
    lines = [_line(ctx, n, a) for n, a in enumerate(found, 1)]
    text = ctx.t(
        "accounts.list",
        club=club.name,
        accounts=Html("\n".join(lines)) if lines else ctx.t("accounts.none"),
        days=ctx.policy.account_record_days,
    )
    fresh = AccountsData(club_id=club.id)
    return Step.ask(FLOW, AccountsStep.LIST, fresh, text, rows, note)


async def on_list(ctx: Ctx, data: AccountsData, given: Input) -> Step:
    found = {a.id: a for a in await service.listed(ctx.tx, ctx.student, data.club_id)}
    choice = given.choice or ""
    if choice == "done":
        return Step.say(ctx.t("accounts.closed"))
    if choice == "add":
        return _platform(ctx, data)
    account_id = prefixed_number(choice, "o") or prefixed_number(choice, "r")
    if account_id is None or account_id not in found:
        return await _list(ctx, data, ctx.t("accounts.use_buttons"))
    data = data.model_copy(update={"account_id": account_id})
    if choice.startswith("o"):
        return await _responsible(ctx, data)
    account = found[account_id]
    text = ctx.t(
        "accounts.ask_remove",
        platform=ctx.t(f"accounts.platform.{account.platform.value}"),
        handle=account.handle,
    )
    rows = [
        [
            ctx.choice(ctx.t("accounts.button.remove_yes"), "yes"),
            ctx.choice(ctx.t("button.back"), "back"),
        ]
    ]
    return Step.ask(FLOW, AccountsStep.REMOVE, data, text, rows)


def _platform(ctx: Ctx, data: AccountsData, note: str | None = None) -> Step:
    rows = [[ctx.choice(ctx.t(f"accounts.platform.{p.value}"), p.value)] for p in Platform]
    rows.append([ctx.choice(ctx.t("button.back"), "back")])
    return Step.ask(FLOW, AccountsStep.PLATFORM, data, ctx.t("accounts.ask_platform"), rows, note)


async def on_platform(ctx: Ctx, data: AccountsData, given: Input) -> Step:
    await service.club_of(ctx.tx, ctx.student, data.club_id)
    if given.choice == "back":
        return await _list(ctx, data)
    if given.choice not in {p.value for p in Platform}:
        return _platform(ctx, data, ctx.t("accounts.use_buttons"))
    data = data.model_copy(update={"platform": given.choice})
    return _handle(ctx, data)


def _handle(ctx: Ctx, data: AccountsData, note: str | None = None) -> Step:
    text = ctx.t("accounts.ask_handle", platform=ctx.t(f"accounts.platform.{data.platform}"))
    return Step.ask(FLOW, AccountsStep.HANDLE, data, text, [], note)


async def on_handle(ctx: Ctx, data: AccountsData, given: Input) -> Step:
    await service.club_of(ctx.tx, ctx.student, data.club_id)
    if not given.text:
        return _handle(ctx, data, ctx.t("accounts.type_it"))
    try:
        handle = service.parse_handle(given.text)
    except DomainError as err:
        return _handle(ctx, data, _err(ctx, err))
    return _opened(ctx, data.model_copy(update={"handle": handle}))


def _opened(ctx: Ctx, data: AccountsData, note: str | None = None) -> Step:
    rows = [[ctx.choice(ctx.t("accounts.button.today"), "today")]]
    text = ctx.t("accounts.ask_opened", days=ctx.policy.account_record_days)
    return Step.ask(FLOW, AccountsStep.OPENED, data, text, rows, note)


async def on_opened(ctx: Ctx, data: AccountsData, given: Input) -> Step:
    await service.club_of(ctx.tx, ctx.student, data.club_id)
    if given.choice == "today":
        day = ctx.today
    elif given.text:
        try:
            day = service.parse_opened(ctx.cal, ctx.now, given.text)
        except DomainError as err:
            return _opened(ctx, data, _err(ctx, err))
    else:
        return _opened(ctx, data, ctx.t("accounts.type_it"))
    return await _responsible(ctx, data.model_copy(update={"opened_on": day}))


async def _responsible(ctx: Ctx, data: AccountsData, note: str | None = None) -> Step:
    people = await service.officers_of(ctx.tx, data.club_id)
    rows = [[ctx.choice(clip(s.name), f"p{s.id}")] for s in people]
    rows.append([ctx.choice(ctx.t("button.back"), "back")])
    return Step.ask(
        FLOW, AccountsStep.RESPONSIBLE, data, ctx.t("accounts.ask_responsible"), rows, note
    )


async def on_responsible(ctx: Ctx, data: AccountsData, given: Input) -> Step:
    if given.choice == "back":
        return await _list(ctx, data)
    student_pk = prefixed_number(given.choice or "", "p")
    if student_pk is None:
        return await _responsible(ctx, data, ctx.t("accounts.use_buttons"))
    try:
        if data.account_id is not None:
            await service.change_responsible(
                ctx.tx,
                ctx.now,
                ctx.user_id,
                ctx.student,
                data.club_id,
                data.account_id,
                student_pk,
            )
            return await _list(ctx, data, ctx.t("accounts.changed"))
        assert data.platform is not None
        assert data.handle is not None
        account_id = await service.record(
            ctx.tx,
            ctx.now,
            ctx.user_id,
            ctx.student,
            data.club_id,
            Platform(data.platform),
            data.handle,
            data.opened_on,
            student_pk,
        )
    except NotAnOfficer as err:
        return await _responsible(ctx, data, _err(ctx, err))
    except (DuplicateAccount, NoSuchAccount) as err:
        return await _list(ctx, data, _err(ctx, err))
    note = ctx.t("accounts.recorded")
    recorded = next(
        a for a in await service.listed(ctx.tx, ctx.student, data.club_id) if a.id == account_id
    )
    if recorded_late(recorded, ctx.today, ctx.policy.account_record_days):
        note += "\n" + ctx.t("accounts.late", days=ctx.policy.account_record_days)
    return await _list(ctx, data, note)


async def on_remove(ctx: Ctx, data: AccountsData, given: Input) -> Step:
    if given.choice == "yes" and data.account_id is not None:
        try:
            await service.remove(
                ctx.tx, ctx.now, ctx.user_id, ctx.student, data.club_id, data.account_id
            )
        except NoSuchAccount as err:
            return await _list(ctx, data, _err(ctx, err))
        return await _list(ctx, data, ctx.t("accounts.removed"))
    if given.choice == "back":
        return await _list(ctx, data)
    return await _list(ctx, data, ctx.t("accounts.use_buttons"))


S = AccountsStep
router.flow(
    Flow(
        name=FLOW,
        data_type=AccountsData,
        states={
            S.CLUB.value: on_club,
            S.LIST.value: on_list,
            S.PLATFORM.value: on_platform,
            S.HANDLE.value: on_handle,
            S.OPENED.value: on_opened,
            S.RESPONSIBLE.value: on_responsible,
            S.REMOVE.value: on_remove,
        },
        starts=frozenset({S.CLUB, S.LIST}),
        transitions={
            S.CLUB: frozenset({S.CLUB, S.LIST}),
            S.LIST: frozenset({S.LIST, S.PLATFORM, S.RESPONSIBLE, S.REMOVE, END}),
            S.PLATFORM: frozenset({S.PLATFORM, S.HANDLE, S.LIST}),
            S.HANDLE: frozenset({S.HANDLE, S.OPENED}),
            S.OPENED: frozenset({S.OPENED, S.RESPONSIBLE}),
            S.RESPONSIBLE: frozenset({S.RESPONSIBLE, S.LIST}),
            S.REMOVE: frozenset({S.LIST}),
        },
    )
)
