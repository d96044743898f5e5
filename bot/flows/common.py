"""Small helpers the flows share."""

from __future__ import annotations

from bot.chat import callbacks
from bot.chat.i18n import catalog
from bot.chat.replies import Button
from bot.chat.text import number
from bot.core.context import Ctx
from bot.core.router import Step
from bot.domain.elections import preset
from bot.domain.values import Category, DomainError, NotEligibleSponsor
from bot.services.notices.files import size_words
from bot.services.notices.review import Subject, review_offer
from storage import people

PAGE_SIZE = 8


def clip(text: str, limit: int = 64) -> str:
    """Shorten user-supplied text before echoing it (it is escaped later, by `tr`)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def known(ctx: Ctx, key: str, fallback: str) -> str:
    """The message `key` when the catalogue has it, else `fallback`: for codes recorded over
    time (audit actions, positions), of which a new or a typed one may have no message."""
    return ctx.t(key) if key in catalog(ctx.lang) else fallback


async def actor_names(ctx: Ctx, user_ids: list[int]) -> dict[int, str]:
    """Who these accounts are, as `actor_name` shows them: a student's or advisor's name and
    number; for staff, reviewers and representatives (who bind no record), what they act as."""
    names = {
        user_id: named(ctx, name, number)
        for user_id, (name, number) in (await people.account_names(ctx.tx, user_ids)).items()
    }
    rest = [user_id for user_id in user_ids if user_id not in names]
    for user_id, roles in (await people.held_roles(ctx.tx, rest)).items():
        acting = ctx.join(ctx.t(f"start.role.{role}") for role in roles)
        names[user_id] = ctx.t("console.actor_role", role=acting, id=user_id)
    return names


def named(ctx: Ctx, name: str, number: str) -> str:
    """A person with their student or staff number, as each language writes it."""
    return aside(ctx, name, number)


def aside(ctx: Ctx, main: str, note: object) -> str:
    """ "Main (note)", with the brackets each language writes."""
    return ctx.t("people.aside", main=main, aside=note)


def file_size(ctx: Ctx, size: int) -> str:
    """A file's size as people read it: 812 bytes, 35.2 KB, 4.1 MB."""
    return size_words(ctx.lang, size)


def actor_name(ctx: Ctx, actor: int | None, names: dict[int, str]) -> str:
    """Who did something, as a person reads it: the bot, a name from `names`
    (`people.account_names`), or else the Telegram account."""
    if actor is None:
        return ctx.t("console.actor_system")
    return names.get(actor) or ctx.t("console.actor_account", id=actor)


def position_label(ctx: Ctx, position: str) -> str:
    """An officer's position in words ("vice_president" -> "Vice-president"); a title typed
    for an election is shown as typed."""
    return known(ctx, f"position.{position}", position)


def position_title(ctx: Ctx, key: str, title: str) -> str:
    """An election's position as the reader says it: a preset one in their words, a title typed
    for the election as typed."""
    return ctx.t(f"position.{key}") if preset(key, title) else title


def holder(ctx: Ctx, name: str, position: str) -> str:
    """ "Name (Position)", as each language writes it."""
    return ctx.t(
        "position.holder", name=clip(name, 32), position=clip(position_label(ctx, position), 24)
    )


def category_label(ctx: Ctx, category: Category) -> str:
    return ctx.t(f"category.{category.value}")


def category_by_index(raw: str) -> Category | None:
    """Categories travel in callback data as their index in the enum."""
    members = list(Category)
    index = number(raw)
    return members[index] if index is not None and index < len(members) else None


def category_index(category: Category) -> int:
    return list(Category).index(category)


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def pager(ctx: Ctx, page: int, total: int) -> list[Button]:
    """Previous/next buttons for a flow page (button values `p<n>`)."""
    buttons = []
    if page > 0:
        buttons.append(ctx.choice(ctx.t("button.previous"), f"p{page - 1}"))
    if page + 1 < page_count(total):
        buttons.append(ctx.choice(ctx.t("button.next"), f"p{page + 1}"))
    return buttons


# --- long answers, paged by size -----------------------------------------------------------------

# A page's text stays below Telegram's 4096 characters: lines are measured in UTF-16 code units
# (what Telegram counts), as HTML (never shorter than the text Telegram shows).
PAGE_BUDGET = 3800
PAGE_LINES = 40


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def pack(lines: list[str], budget: int, max_lines: int = PAGE_LINES) -> list[list[str]]:
    """Split lines into pages of at most `budget` UTF-16 units and `max_lines` lines each."""
    pages: list[list[str]] = [[]]
    used = 0
    for line in lines:
        size = utf16_len(line) + 1
        if pages[-1] and (used + size > budget or len(pages[-1]) >= max_lines):
            pages.append([])
            used = 0
        pages[-1].append(line)
        used += size
    return pages


def paged(
    ctx: Ctx, header: str, lines: list[str], page: int, kind: str, *args: str | int
) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    """Page `page` (clamped) of `header` plus `lines`, with previous/next buttons that carry
    `kind`, `args` and the page number."""
    pages = pack(lines, PAGE_BUDGET - utf16_len(header) - 80)
    page = min(max(page, 0), len(pages) - 1)
    parts = [header]
    if len(pages) > 1:
        parts.append(ctx.t("console.page", page=page + 1, pages=len(pages)))
    text = "\n".join(parts + pages[page])
    nav = []
    if page > 0:
        nav.append(Button(ctx.t("button.previous"), callbacks.encode(kind, *args, page - 1)))
    if page + 1 < len(pages):
        nav.append(Button(ctx.t("button.next"), callbacks.encode(kind, *args, page + 1)))
    return text, ((tuple(nav),) if nav else ())


def with_review(ctx: Ctx, step: Step, err: DomainError) -> Step:
    """A refusal of REG-1 (sponsoring or signing a new club), which rests partly on the
    disciplinary record, with "Ask staff to review" under it (PRIV-4); any other as it is.
    Offered whichever condition failed, so that its presence tells nobody which one it was."""
    if isinstance(err, NotEligibleSponsor):
        target = err.params.get("review")
        app_id = target if isinstance(target, int) else 0
        step.replies.append(review_offer(ctx.lang, Subject.SPONSOR, app_id))
    return step
