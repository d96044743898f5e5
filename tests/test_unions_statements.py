"""No query per row in the unions' imports, the ledger's union records, /union, /report, /plan
and the regulations: the same number of statements for a few rows and for five times as many."""

from __future__ import annotations

from bot.domain.values import Language, Role
from bot.services import regulations, roster
from bot.services import unions as union_imports
from storage import people
from storage import unions as store
from storage.tx import Tx
from storage.types import utcnow
from tests.conftest import MakeDb
from tests.harness import STUDENT_HEADER, Campus, Chat, student_line
from tests.statements import counted

SMALL, LARGE = 6, 30
STAFF = 9200


async def _count(make_db: MakeDb, backend: str, size: int) -> list[int]:
    from bot.core.engine import Engine
    from bot.domain.policy import Policy
    from bot.flows import build_router

    db = await make_db(backend)
    engine = Engine(db, Policy(), build_router(), bot_id=1, bot_username="b")
    ids = [f"S{i}" for i in range(2 * size)]
    students = "\n".join([STUDENT_HEADER, *(student_line(s) for s in ids)])
    unions = "name,kind,level,college,population,large_or_multi_campus\n" + "\n".join(
        f"U{i},student,college,Engineering,100,no" for i in range(size)
    )
    congress = "union,kind,held_on,representatives,present,seats,candidates\n" + "\n".join(
        f"U{i},congress,2025-05-01,10,9,3,4" for i in range(size)
    )
    posts = "union,student_id,position,department,term_start,congress\n" + "\n".join(
        f"U{i},S{i},president,,2025-09-01,2025-05-01\nU{i},S{size + i},staff,Office,2025-09-01,"
        for i in range(size)
    )
    reps = "union,congress,student_id,club,union_officer\n" + "\n".join(
        f"U{i},2025-05-01,S{size + i},,no" for i in range(size)
    )
    regulation_rows = "title,issued_on,number\n" + "\n".join(
        f"Rule {i},2020-01-01,No. {i}" for i in range(size)
    )
    counts = []
    async with db.transaction() as session:
        tx = Tx(session, db)
        await roster.import_students(tx, utcnow(), students.encode())
        await people.ensure_account(tx, STAFF, Language.EN, utcnow())
        await people.grant(tx, STAFF, Role.STAFF, utcnow())
    for work in (
        lambda tx: union_imports.import_unions(tx, utcnow(), unions.encode()),
        lambda tx: union_imports.import_congresses(
            tx, utcnow(), congress.encode(), utcnow().date()
        ),
        lambda tx: union_imports.import_posts(tx, utcnow(), posts.encode()),
        lambda tx: union_imports.import_representatives(tx, utcnow(), reps.encode()),
        lambda tx: store.union_data(tx),
        lambda tx: regulations.import_regulations(
            tx, utcnow(), regulation_rows.encode(), utcnow().date()
        ),
    ):
        with counted(db) as sent:
            async with db.transaction() as session:
                await work(Tx(session, db))
        counts.append(len(sent))
    chat = Chat(Campus(db, engine).engine, STAFF)
    # The report and the work ledger's listing read the same records, and the regulations.
    for command in ("/unions", "/union U1", "/report", "/plan", "/regulations"):
        with counted(db) as sent:
            await chat.send(command)
        counts.append(len(sent))
    return counts


async def test_union_statements_do_not_grow_with_the_data(make_db: MakeDb, backend: str) -> None:
    small = await _count(make_db, backend, SMALL)
    large = await _count(make_db, backend, LARGE)
    assert small == large, f"{small} != {large}: grows with the data"
