"""The pages of a paged answer, kept for its page buttons (`bot/flows/pages.py`).

A request that is costly to build (the ledger: 40 statements over the whole university) keeps
what it built, its header and lines in the reader's language, under a token its buttons carry;
a press reads them back in one statement. They expire after the policy's `kept_pages_minutes`
and the retention sweep deletes them.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import bindparam, delete, select

from storage.models import KeptPagesRow, table_of
from storage.tx import Tx

_kept = table_of(KeptPagesRow)
_INSERT = _kept.insert().values(
    token=bindparam("token"),
    user_id=bindparam("user"),
    view=bindparam("view"),
    arg=bindparam("arg"),
    header=bindparam("header"),
    lines=bindparam("lines"),
    kept_at=bindparam("now"),
)
_READ = select(_kept.c.header, _kept.c.lines).where(
    _kept.c.token == bindparam("token"),
    _kept.c.user_id == bindparam("user"),
    _kept.c.view == bindparam("view"),
    _kept.c.arg == bindparam("arg"),
    _kept.c.kept_at >= bindparam("since"),
)
_FORGET = delete(_kept).where(_kept.c.kept_at < bindparam("before"))


async def keep(
    tx: Tx,
    token: str,
    user_id: int,
    view: str,
    arg: int,
    header: str,
    lines: list[str],
    now: datetime,
) -> None:
    """Keep one answer's pages under `token`."""
    params = {"token": token, "user": user_id, "view": view, "arg": arg, "header": header}
    await tx.run(_INSERT, {**params, "lines": json.dumps(lines, ensure_ascii=False), "now": now})


async def kept(
    tx: Tx, token: str, user_id: int, view: str, arg: int, since: datetime
) -> tuple[str, list[str]] | None:
    """The pages kept under `token` for this user and view, if kept at `since` or later."""
    row = await tx.first(
        _READ, {"token": token, "user": user_id, "view": view, "arg": arg, "since": since}
    )
    if row is None:
        return None
    lines: list[str] = json.loads(row.lines)
    return row.header, lines


async def forget(tx: Tx, before: datetime) -> int:
    """Delete the pages kept before `before`; how many answers' pages went."""
    return await tx.run(_FORGET, {"before": before})
