"""The deployer's documents (PRIV-1 to PRIV-5) list exactly the personal data the tables hold."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import BigInteger
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (the tables)
from storage.privacy import LINKS, RECORDS

ROOT = Path(__file__).resolve().parents[1]
RECORDS_DOC = ROOT / "docs" / "processing-records.md"
# Big integers that are not people: the bot's own id, Telegram's update numbers, sums of money.
NOT_PEOPLE = {
    ("processed_update", "bot_id"),
    ("processed_update", "update_id"),
    ("finance_line", "amount_fen"),
    ("finance_statement", "income_fen"),
    ("finance_statement", "expense_fen"),
    ("activity", "budget_fen"),  # an amount in fen, not an account
}


def naming_columns() -> set[tuple[str, str]]:
    """Every column of the models that names a person outside their own record: a reference
    to a student or advisor record, or a Telegram account's number (a big integer)."""
    found = set()
    for table in SQLModel.metadata.sorted_tables:
        if table.name in RECORDS:
            continue
        for column in table.columns:
            targets = {fk.column.table.name for fk in column.foreign_keys}
            if targets & set(RECORDS) or isinstance(column.type, BigInteger):
                found.add((table.name, column.name))
    return found - NOT_PEOPLE


def test_the_personal_data_columns_equal_the_models() -> None:
    assert {(t, c) for t, c, _ in LINKS} == naming_columns()


def test_the_processing_records_list_every_personal_data_column() -> None:
    text = RECORDS_DOC.read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(\w+)\.(\w+)` \|", text, re.MULTILINE))
    assert listed == {(t, c) for t, c, _ in LINKS}
    for record in RECORDS:
        columns = SQLModel.metadata.tables[record].columns
        for column in columns:
            if column.name != "id":
                assert f"`{column.name}`" in text, (record, column.name)


def test_the_check_would_see_a_new_column_naming_someone() -> None:
    assert ("account", "user_id") in naming_columns()
    assert ("membership", "student_pk") in naming_columns()
    assert ("processed_update", "update_id") not in naming_columns()
