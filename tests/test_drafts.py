"""Drafts of /establish expire by the clock's sweep, without waiting for their sponsor."""

from __future__ import annotations

from tests.establishing import seed
from tests.harness import Campus


async def test_stale_drafts_expire_without_their_sponsor(campus: Campus) -> None:
    """The clock's sweep expires a draft untouched past draft_expiry_days; a fresh one stays."""
    from datetime import timedelta

    from bot.services import applications
    from storage import applications as applications_store
    from storage.tx import Tx
    from storage.types import utcnow

    await seed(campus)
    sponsor = await campus.bound("S1", 1001)
    await sponsor.send("/establish")
    await sponsor.send("Robotics Club")
    policy = campus.engine.policy
    later = utcnow() + timedelta(days=policy.draft_expiry_days + 1)
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        assert await applications.expire_stale_drafts(tx, policy, utcnow(), 100) == 0
        assert await applications.expire_stale_drafts(tx, policy, later, 100) == 1
        assert await applications.expire_stale_drafts(tx, policy, later, 100) == 0
        assert await applications_store.untouched(tx, "draft", later, 100) == []
    assert "What is the club's name" in await sponsor.send("/establish")


async def test_cancel_keeps_the_draft_and_says_so(campus: Campus) -> None:
    await seed(campus)
    sponsor = await campus.bound("S1", 1001)
    await sponsor.send("/establish")
    await sponsor.send("Robotics Club")
    assert "Your draft is kept: /establish picks it up" in await sponsor.send("/cancel")
    assert "Which category" in await sponsor.send("/establish")
