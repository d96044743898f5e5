"""Officer elections and general-meeting votes (ORG-3, ORG-5, ORG-6, ORG-7, REG-7).

`access` says who may do what, `setup` starts a vote, `candidacy` runs nominations and the
review, `voting` the ballot, `clock` the phases, `notices` every message, `export` the
verifiable record. Every action re-reads the election and checks on the server that its phase
allows it and that this user may do it.
"""

from bot.services.elections.access import founding_meetings_seen, is_member, may_review, may_start
from bot.services.elections.candidacy import (
    Answered,
    answer_objection,
    approve_list,
    lodge_objection,
    nominate,
    nominees,
    objection_to_answer,
    positions_open,
    respond,
    strike,
    withdraw,
)
from bot.services.elections.clock import advance, approve_result
from bot.services.elections.export import export_document
from bot.services.elections.notices import ELECTION, VOTE, local_time
from bot.services.elections.setup import (
    founding_meeting,
    start,
    start_founding_meeting,
    start_general_meeting,
)
from bot.services.elections.voting import Paper, ballot_for, cast, paper, receipt_for

__all__ = [
    "ELECTION",
    "VOTE",
    "Answered",
    "Paper",
    "advance",
    "answer_objection",
    "approve_list",
    "approve_result",
    "ballot_for",
    "cast",
    "export_document",
    "founding_meeting",
    "founding_meetings_seen",
    "is_member",
    "local_time",
    "lodge_objection",
    "may_review",
    "may_start",
    "nominate",
    "nominees",
    "objection_to_answer",
    "paper",
    "positions_open",
    "receipt_for",
    "respond",
    "start",
    "start_founding_meeting",
    "start_general_meeting",
    "strike",
    "withdraw",
]
