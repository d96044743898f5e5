"""Every message an election sends, and the buttons on it.

Messages go through the outbox under a key naming the election and the step
(`el:<election>:<step>...`), so a step is announced once, whatever restarts in between.
Buttons: `el:<action>:<id>` for election actions, `vt:<election>` opens a ballot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.chat import callbacks
from bot.chat.i18n import Listing, Phrase, joined, tr
from bot.chat.replies import Button, Keyboard
from bot.domain import tally
from bot.domain.calendar import Calendar
from bot.domain.elections import (
    RESTRICTED_REASONS,
    Candidate,
    Decision,
    Election,
    Position,
    Reason,
    preset,
    restricted_rules,
)
from bot.domain.policy import Policy
from bot.domain.values import Club, Language, Student
from bot.services.applications.notices import charter_button
from bot.services.elections import access
from bot.services.elections.voting import Paper
from bot.services.notices import review
from storage import elections as elections_store
from storage import outbox, people
from storage.deadlines import Recipient
from storage.elections import Elected
from storage.people import Account
from storage.tx import Tx

ELECTION = "el"
VOTE = "vt"

Person = Recipient | Account
Buttons = Callable[[Language, int], Keyboard]


def local_time(cal: Calendar, at: datetime | None) -> str:
    """A moment as the university reads it: local date and time in TIMEZONE."""
    return at.astimezone(cal.zone).strftime("%Y-%m-%d %H:%M") if at else "—"


def reasons(lang: Language, policy: Policy, keys: Sequence[str]) -> list[str]:
    """Reasons of ineligibility, in `lang`; those resting on restricted data by their rule
    only, with where to ask (PRIV-4): chat leaves the country, and the student may not be
    alone in front of the screen."""
    shown: list[str] = [
        tr(lang, key, limit=policy.officer_max_rank_pct)
        for key in keys
        if key not in RESTRICTED_REASONS
    ]
    rules = restricted_rules(list(keys))
    if rules:
        shown.append(tr(lang, "privacy.restricted_reason", rules=Listing(tuple(rules))))
    return shown


def review_buttons(lang: Language, election_id: int) -> Keyboard:
    """ "Ask staff to review" under a refusal that rests on restricted data (PRIV-4)."""
    return review.review_buttons(lang, review.Subject.ELECTION, election_id)


def bulleted(lines: Sequence[str]) -> str:
    """Reasons as a list, one per line."""
    return "\n".join(f"• {r}" for r in lines)


def _no_buttons(lang: Language, eid: int) -> Keyboard:
    return ()


def _nominate_buttons(lang: Language, eid: int) -> Keyboard:
    return ((Button(tr(lang, "button.election.nominate"), callbacks.encode(ELECTION, "n", eid)),),)


def _vote_buttons(lang: Language, eid: int) -> Keyboard:
    return ((Button(tr(lang, "button.election.vote"), callbacks.encode(VOTE, eid)),),)


def _objection_buttons(lang: Language, eid: int) -> Keyboard:
    return ((Button(tr(lang, "button.election.object"), callbacks.encode(ELECTION, "o", eid)),),)


async def _tell_members(
    tx: Tx,
    now: datetime,
    row: Election,
    event: str,
    buttons: Buttons,
    render: Callable[[Language], str],
) -> None:
    """One message per member's account, under the key `el:<election>:<event>:<user>`."""
    messages = [
        outbox.Message(
            f"el:{row.id}:{event}:{person.user_id}",
            person.user_id,
            render(person.language),
            buttons(person.language, row.id),
        )
        for person in await access.member_accounts(tx, row)
    ]
    await outbox.enqueue_many(tx, messages, now)


async def _ask(
    tx: Tx,
    now: datetime,
    people: list[Recipient],
    key: str,
    texts: tuple[str, str],
    action: tuple[str, int],
    **params: object,
) -> None:
    """Queue one message with one button to each person: `texts` are the message's and the
    button's keys (`election.*`, `button.election.*`), `action` the button's (kind, election)."""
    message_key, button_key = texts
    await outbox.enqueue_many(
        tx,
        [
            outbox.Message(
                key=f"{key}:{person.user_id}",
                chat_id=person.user_id,
                text=tr(person.language, f"election.{message_key}", **params),
                buttons=(
                    (
                        Button(
                            tr(person.language, f"button.election.{button_key}"),
                            callbacks.encode(ELECTION, *action),
                        ),
                    ),
                ),
            )
            for person in people
        ],
        now,
    )


def elected_words(elected: Sequence[Elected]) -> Listing:
    """ "Name (Position), …" of those elected, in each reader's words."""
    return Listing(
        tuple(
            Phrase("position.holder", (("name", e.name), ("position", words(e.key, e.title))))
            for e in elected
        )
    )


def words(key: str, title: str) -> str | Phrase:
    """A position as each reader says it: a preset one in their language (`position.<key>`), a
    title typed for the election as typed."""
    return Phrase(f"position.{key}") if preset(key, title) else title


# --- candidacy -------------------------------------------------------------------------------


async def nominations_open(
    tx: Tx,
    cal: Calendar,
    now: datetime,
    row: Election,
    club: Club,
    titles: Sequence[str | Phrase],
    motions: Sequence[str] = (),
) -> None:
    """The members may nominate, until nominations close (`titles`: the positions; `motions`:
    what a founding meeting votes on besides, its charter)."""
    positions = Listing(tuple(titles))
    until = local_time(cal, row.nominations_close_at)
    if row.founding:
        voted = Listing(tuple(motions))

        def text(lang: Language) -> str:
            return tr(
                lang,
                "election.founding_nomination_open",
                club=club.name,
                motions=voted,
                positions=positions,
                until=until,
            )
    else:

        def text(lang: Language) -> str:
            return tr(
                lang, "election.nomination_open", club=club.name, positions=positions, until=until
            )

    await _tell_members(tx, now, row, "nominate", _nominate_buttons, text)


async def ask_nominee(
    tx: Tx,
    now: datetime,
    person: Person,
    candidate: Candidate,
    club: Club,
    position: Position,
    by: Student,
) -> None:
    """The nominee is asked to accept or decline."""
    lang = person.language
    text = tr(
        lang,
        "election.nominated",
        club=club.name,
        position=words(position.key, position.title),
        by=by.name,
    )
    buttons = (
        (
            Button(
                tr(lang, "button.election.accept"),
                callbacks.encode(ELECTION, "a", candidate.id),
            ),
            Button(
                tr(lang, "button.election.decline"),
                callbacks.encode(ELECTION, "d", candidate.id),
            ),
        ),
    )
    key = f"el:{candidate.election_id}:nom{candidate.id}"
    await outbox.enqueue(tx, key, person.user_id, text, now, buttons)


async def tell_ineligible(
    tx: Tx,
    now: datetime,
    person: Person,
    row: Election,
    club: Club,
    nominee: Student,
    position: Position,
    why: Sequence[str],
    restricted: bool = False,
) -> None:
    """A nominee who may not stand hears why (with "Ask staff to review" when the reason rests
    on restricted data)."""
    text = tr(
        person.language,
        "election.ineligible_notice",
        club=club.name,
        position=words(position.key, position.title),
        reasons=bulleted(why),
    )
    key = f"el:{row.id}:inel{position.id}:{nominee.id}"
    buttons = review_buttons(person.language, row.id) if restricted else ()
    await outbox.enqueue(tx, key, person.user_id, text, now, buttons)


async def tell_struck(
    tx: Tx, now: datetime, person: Person, candidate: Candidate, club: Club, reason: str
) -> None:
    """A struck candidate hears why."""
    text = tr(person.language, "election.struck_notice", club=club.name, reason=reason)
    key = f"el:{candidate.election_id}:struck{candidate.id}"
    await outbox.enqueue(tx, key, person.user_id, text, now)


def objection_text(
    lang: Language, club: str, phase: str, name: str, student_id: str, text: str
) -> str:
    """An objection as the advisor and staff read it: whose, about what, when lodged."""
    return tr(
        lang,
        "election.objection_notice",
        club=club,
        phase=tr(lang, f"election.phase.{phase}"),
        who=tr(lang, "people.aside", main=name, aside=student_id),
        text=text,
    )


def objection_buttons(lang: Language, objection_id: int) -> Keyboard:
    """Uphold or dismiss an objection (`el:ou:<id>`, `el:od:<id>`); a reason is asked next."""
    return (
        (
            Button(tr(lang, "objection.uphold"), callbacks.encode(ELECTION, "ou", objection_id)),
            Button(tr(lang, "objection.dismiss"), callbacks.encode(ELECTION, "od", objection_id)),
        ),
    )


async def tell_objection(
    tx: Tx,
    now: datetime,
    people: list[Recipient],
    row: Election,
    club: Club,
    objection_id: int,
    by: Student,
    text: str,
) -> None:
    """The objection, to the advisor and staff, with the buttons to answer it."""
    messages = [
        outbox.Message(
            key=f"el:{row.id}:obj{objection_id}:{person.user_id}",
            chat_id=person.user_id,
            text=objection_text(
                person.language, club.name, row.phase.value, by.name, by.student_id, text
            ),
            buttons=objection_buttons(person.language, objection_id),
        )
        for person in {p.user_id: p for p in people}.values()
    ]
    await outbox.enqueue_many(tx, messages, now)


async def tell_objection_answer(
    tx: Tx,
    now: datetime,
    person: Person,
    row: Election,
    club: Club,
    objection_id: int,
    decision: Decision,
    reason: str,
    advisor: bool,
) -> None:
    """The objector hears the decision on their objection, who took it (the advisor or staff)
    and why."""
    lang = person.language
    text = tr(
        lang,
        f"objection.told_{decision.value}",
        club=club.name,
        by=tr(lang, "objection.by_advisor" if advisor else "objection.by_staff"),
        reason=reason,
    )
    await outbox.enqueue(tx, f"el:{row.id}:objans{objection_id}", person.user_id, text, now)


async def ask_review(
    tx: Tx,
    now: datetime,
    people: list[Recipient],
    row: Election,
    club: Club,
    listed: Sequence[tuple[Candidate, Student]],
    titles: dict[int, str | Phrase],
) -> None:
    """The candidate list, to review: a button to strike each and one to approve the list."""
    messages = []
    for person in people:
        lang = person.language
        lines = [tr(lang, "election.review_request", club=club.name)]
        rows: list[tuple[Button, ...]] = []
        for candidate, student in listed:
            lines.append(
                tr(
                    lang,
                    "election.candidate_line",
                    position=titles[candidate.position_id],
                    name=student.name,
                    student_id=student.student_id,
                )
            )
            rows.append(
                (
                    Button(
                        tr(lang, "button.election.strike", name=student.name[:24]),
                        callbacks.encode(ELECTION, "s", candidate.id),
                    ),
                )
            )
        rows.append(
            (
                Button(
                    tr(lang, "button.election.approve_list"),
                    callbacks.encode(ELECTION, "ok", row.id),
                ),
            )
        )
        messages.append(
            outbox.Message(
                f"el:{row.id}:review:{person.user_id}",
                person.user_id,
                "\n".join(lines),
                tuple(rows),
            )
        )
    await outbox.enqueue_many(tx, messages, now)


async def remind_review(
    tx: Tx, now: datetime, people: list[Recipient], row: Election, club: Club
) -> None:
    """The list still waits for review."""
    await _ask(
        tx,
        now,
        people,
        f"el:{row.id}:review-late",
        ("review_reminder", "approve_list"),
        ("ok", row.id),
        club=club.name,
    )


async def publish_candidates(
    tx: Tx,
    cal: Calendar,
    now: datetime,
    row: Election,
    club: Club,
    listed: Sequence[tuple[Candidate, Student]],
    titles: dict[int, str | Phrase],
) -> None:
    """The approved list and the voting dates, to every member."""

    def text(lang: Language) -> str:
        lines = [
            tr(
                lang,
                "election.publicity",
                club=club.name,
                opens=local_time(cal, row.voting_opens_at),
                closes=local_time(cal, row.voting_closes_at),
            )
        ]
        # PRIV-5: a list every member reads names each candidate by name, college and post.
        lines += [
            tr(
                lang,
                "election.candidate_public",
                position=titles[c.position_id],
                name=s.name,
                college=s.college,
            )
            for c, s in listed
        ]
        if row.seed:
            lines.append(tr(lang, "election.seed", seed=row.seed))
        return "\n".join(lines)

    await _tell_members(tx, now, row, "publicity", _objection_buttons, text)


# --- voting and the count --------------------------------------------------------------------


def vote_buttons(row: Election) -> Buttons:
    """The Vote button; at a founding meeting, which votes on the charter, a button that sends
    the charter the application stored too."""
    app_id = row.application_id if row.founding else None
    if app_id is None:
        return _vote_buttons

    def with_charter(lang: Language, eid: int) -> Keyboard:
        return (*_vote_buttons(lang, eid), (charter_button(lang, app_id),))

    return with_charter


async def voting_open(tx: Tx, cal: Calendar, now: datetime, row: Election, club: Club) -> None:
    """Voting is open, until it closes: a button to vote (and one to read the charter)."""
    closes = local_time(cal, row.voting_closes_at)
    await _tell_members(
        tx,
        now,
        row,
        "open",
        vote_buttons(row),
        lambda lang: tr(lang, "election.voting_open", club=club.name, closes=closes),
    )


async def remind_voters(
    tx: Tx, cal: Calendar, now: datetime, people: list[Recipient], row: Election, club: Club
) -> None:
    """Those who have not voted yet, before voting closes."""
    messages = [
        outbox.Message(
            key=f"el:{row.id}:remind:{person.user_id}",
            chat_id=person.user_id,
            text=tr(
                person.language,
                "election.reminder",
                club=club.name,
                closes=local_time(cal, row.voting_closes_at),
            ),
            buttons=vote_buttons(row)(person.language, row.id),
        )
        for person in people
    ]
    await outbox.enqueue_many(tx, messages, now)


async def no_quorum(tx: Tx, now: datetime, row: Election, club: Club) -> None:
    """The members hear that the vote failed for want of a quorum."""
    await _tell_members(
        tx,
        now,
        row,
        "failed",
        _no_buttons,
        lambda lang: tr(
            lang,
            "election.failed_members",
            club=club.name,
            reason=tr(lang, "election.reason.no_quorum"),
        ),
    )


def results_text(
    lang: Language,
    cal: Calendar,
    club: Club,
    row: Election,
    results: Sequence[tuple[Paper, tally.Result]],
) -> str:
    """The published count: turnout and totals per position, who was elected, what passed."""
    lines = [
        tr(
            lang,
            "election.results",
            club=club.name,
            members=row.members or 0,
            until=local_time(cal, row.results_until),
        )
    ]
    for p, result in results:
        names = {c.id: c.name for c in p.position.candidates}
        counts = joined(
            lang,
            (
                f"{names[c] if c in names else tr(lang, f'motion.{c}')} {n}"
                for c, n in result.counts
            ),
        )
        lines.append(
            tr(
                lang,
                "election.result_line",
                position=words(p.position.key, p.position.title),
                turnout=result.turnout,
                counts=counts,
            )
        )
        if result.outcome is tally.Outcome.PASSED or result.outcome is tally.Outcome.REJECTED:
            lines.append(tr(lang, f"motion.{result.outcome.value}"))
        elif result.outcome is tally.Outcome.RUNOFF:
            lines.append(
                tr(lang, "election.runoff", names=joined(lang, (names[c] for c in result.runoff)))
            )
        else:
            elected = joined(lang, (names[c] for c in result.elected)) or "—"
            lines.append(tr(lang, "election.elected", names=elected))
        if result.lot:
            lines.append(
                tr(lang, "election.lot", order=joined(lang, (names[c] for c in result.lot)))
            )
    return "\n".join(lines)


async def publish_results(
    tx: Tx,
    cal: Calendar,
    now: datetime,
    row: Election,
    club: Club,
    results: Sequence[tuple[Paper, tally.Result]],
) -> None:
    """The count, to every member, with a button to object."""
    await _tell_members(
        tx,
        now,
        row,
        "results",
        _objection_buttons,
        lambda lang: results_text(lang, cal, club, row, results),
    )


# --- after the results -----------------------------------------------------------------------


async def ask_approval(
    tx: Tx,
    now: datetime,
    people: list[Recipient],
    row: Election,
    club: Club,
    elected: Sequence[Elected],
) -> None:
    """The advisor, the guidance unit and staff are asked to approve the result: who was
    elected to what, and the objections upheld or still unanswered (ORG-5's publicity)."""
    counts = (await elections_store.objection_counts(tx, [row.id])).get(row.id)
    messages = [
        outbox.Message(
            key=f"el:{row.id}:approve:{person.user_id}",
            chat_id=person.user_id,
            text=approval_text(person.language, club.name, elected, counts),
            buttons=(
                (
                    Button(
                        tr(person.language, "button.election.approve"),
                        callbacks.encode(ELECTION, "ap", row.id),
                    ),
                ),
            ),
        )
        for person in people
    ]
    await outbox.enqueue_many(tx, messages, now)


def approval_text(
    lang: Language, club: str, elected: Sequence[Elected], objections: tuple[int, int] | None
) -> str:
    """A result to approve: who was elected, and the election's objections that were upheld
    or wait for an answer, if any."""
    lines = [tr(lang, "election.approval_request", club=club, elected=elected_words(elected))]
    if objections:
        upheld, waiting = objections
        lines.append(tr(lang, "objection.on_result", upheld=upheld, waiting=waiting))
    return "\n".join(lines)


async def took_office(tx: Tx, now: datetime, row: Election, club: Club) -> None:
    """The members hear that the elected took office."""
    await _tell_members(
        tx,
        now,
        row,
        "office",
        _no_buttons,
        lambda lang: tr(lang, "election.took_office", club=club.name),
    )


async def founding_failed(
    tx: Tx, now: datetime, row: Election, club: Club, sponsor: int, adopted: bool
) -> None:
    """The sponsor hears that the founding meeting adopted no charter or elected no
    president, so they may open another."""
    lang = await people.language_of(tx, sponsor)
    key = "election.founding_not_adopted" if not adopted else "election.founding_no_president"
    text = tr(lang, key, club=club.name)
    await outbox.enqueue(tx, f"el:{row.id}:founding-failed", sponsor, text, now)


async def ended(
    tx: Tx, now: datetime, people: list[Recipient], row: Election, club: Club, reason: Reason
) -> None:
    """The officers (else the advisor) hear why the election ended early."""
    messages = [
        outbox.Message(
            key=f"el:{row.id}:end:{person.user_id}",
            chat_id=person.user_id,
            text=tr(
                person.language,
                "election.failed_officers",
                club=club.name,
                reason=tr(person.language, f"election.reason.{reason.value}"),
            ),
        )
        for person in people
    ]
    await outbox.enqueue_many(tx, messages, now)
