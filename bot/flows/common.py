"""Small helpers the flows share."""

from __future__ import annotations

from bot.context import Ctx
from bot.domain import Category
from bot.replies import Button

PAGE_SIZE = 8


def clip(text: str, limit: int = 64) -> str:
    """Shorten user-supplied text before echoing it (it is escaped later, by `tr`)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def category_label(ctx: Ctx, category: Category) -> str:
    return ctx.t(f"category.{category.value}")


def category_by_index(raw: str) -> Category | None:
    """Categories travel in callback data as their index in the enum."""
    members = list(Category)
    return members[int(raw)] if raw.isdigit() and int(raw) < len(members) else None


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
