"""The application's states and the actions that move it: which action leads from which state to
which. Pure: the table is read by the services and by tests, and checked to reach every state.

Its diagram is `machine.mmd` beside this file (README shows it).
"""

from __future__ import annotations

from enum import StrEnum


class AppState(StrEnum):
    DRAFT = "draft"
    SIGNING = "signing"  # submitted: co-sponsors sign, the advisor is asked
    UNIT_REVIEW = "unit_review"  # REG-2: the guidance unit's representative decides
    COMMITTEE = "committee"  # REG-8: the review committee decides
    RETURNED = "returned"  # back with the sponsor for changes
    PAUSED = "paused"  # the sponsor lost formal status (REG-1); staff are told
    FOUNDING = "founding"  # approved, founding meeting pending (ORG-3)
    CONFIRMING = "confirming"  # the founding meeting's outcome awaits the advisor
    ACTIVE = "active"  # the club exists
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class Action(StrEnum):
    SUBMIT = "submit"
    ADVISOR_ACCEPT = "advisor_accept"
    ADVISOR_DECLINE = "advisor_decline"
    READY = "ready"
    SHORT = "short"
    UNIT_ACCEPT = "unit_accept"
    UNIT_RETURN = "unit_return"
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"
    PAUSE = "pause"
    RESUME = "resume"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    SET_MEETING = "set_meeting"
    RECORD_OUTCOME = "record_outcome"
    CONFIRM_OUTCOME = "confirm_outcome"
    REJECT_OUTCOME = "reject_outcome"


S = AppState
TRANSITIONS: dict[tuple[AppState, Action], AppState] = {
    (S.DRAFT, Action.SUBMIT): S.SIGNING,
    (S.DRAFT, Action.WITHDRAW): S.WITHDRAWN,
    (S.DRAFT, Action.EXPIRE): S.EXPIRED,
    (S.RETURNED, Action.SUBMIT): S.SIGNING,
    (S.SIGNING, Action.ADVISOR_ACCEPT): S.SIGNING,
    (S.SIGNING, Action.ADVISOR_DECLINE): S.RETURNED,
    (S.SIGNING, Action.READY): S.UNIT_REVIEW,
    (S.UNIT_REVIEW, Action.UNIT_ACCEPT): S.COMMITTEE,
    (S.UNIT_REVIEW, Action.UNIT_RETURN): S.RETURNED,
    (S.UNIT_REVIEW, Action.SHORT): S.SIGNING,
    (S.COMMITTEE, Action.APPROVE): S.FOUNDING,
    (S.COMMITTEE, Action.REJECT): S.REJECTED,
    (S.COMMITTEE, Action.RETURN): S.RETURNED,
    (S.COMMITTEE, Action.SHORT): S.SIGNING,
    (S.PAUSED, Action.RESUME): S.RETURNED,
    (S.PAUSED, Action.REJECT): S.REJECTED,
    (S.FOUNDING, Action.SET_MEETING): S.FOUNDING,
    (S.FOUNDING, Action.RECORD_OUTCOME): S.CONFIRMING,
    (S.CONFIRMING, Action.CONFIRM_OUTCOME): S.ACTIVE,
    (S.CONFIRMING, Action.REJECT_OUTCOME): S.FOUNDING,
}
for _state in (S.SIGNING, S.UNIT_REVIEW, S.COMMITTEE, S.RETURNED):
    TRANSITIONS[(_state, Action.PAUSE)] = S.PAUSED
for _state in (S.SIGNING, S.UNIT_REVIEW, S.COMMITTEE, S.RETURNED, S.PAUSED, S.FOUNDING):
    TRANSITIONS[(_state, Action.WITHDRAW)] = S.WITHDRAWN

# Signatures may be given and withdrawn until the application is decided.
SIGNABLE = (S.SIGNING, S.UNIT_REVIEW, S.COMMITTEE, S.RETURNED, S.PAUSED)
# What staff see in /applications (drafts are the sponsor's own business).
OPEN = (S.SIGNING, S.UNIT_REVIEW, S.COMMITTEE, S.RETURNED, S.PAUSED, S.FOUNDING, S.CONFIRMING)
EDITABLE = (S.DRAFT, S.RETURNED)
# Decisions that send the application back or end it say why.
NEEDS_COMMENT = frozenset({Action.UNIT_RETURN, Action.RETURN, Action.REJECT})
# History entries that are not state changes (a signature given or withdrawn).
SIGNED, UNSIGNED = "signed", "unsigned"
CLEARED = "signatures_cleared"  # a new name: the signatures given to the old one go


def target(state: str, action: Action) -> AppState | None:
    """The state `action` leads to from `state`; None if it is not allowed there."""
    return TRANSITIONS.get((AppState(state), action))
