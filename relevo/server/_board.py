"""The console's board: a conversation's row after a turn, routing a handoff to an agent, the queue order, KPIs."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from relevo.contracts import ConversationState, Priority
from relevo.server._agents import AgentAccount
from relevo.server._ports import BoardRow

__all__ = ["PRIORITY_RANK", "Kpis", "choose_agent", "compute_kpis", "next_row", "queue_for"]

PRIORITY_RANK: dict[Priority, int] = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
"""Queue order: lower first."""

_ACTIVE = ("pending_human", "human_active")
_NEGATIVE = -0.3


def next_row(
    state: ConversationState,
    previous: BoardRow | None,
    *,
    handle: str,
    now: datetime,
    customer_wrote: datetime | None = None,
    agent: str | None = None,
    inbound_id: str | None = None,
) -> BoardRow:
    """The board row after an event, from the conversation's state and its previous row.

    Args:
        state: the conversation after the event.
        previous: its row before the event (None: a new conversation).
        handle: the customer's address on the channel.
        now: wall-clock time of the event.
        customer_wrote: when the customer wrote, if the event was a customer message (the channel's own
            timestamp: the WhatsApp 24-hour window runs from it, not from when a worker got to it).
        agent: the username of the agent who took over, when the event was a takeover.
        inbound_id: the inbound message id, when the event was a customer message.
    """
    mode = state.mode
    was = previous.mode if previous is not None else None
    entered_pending = mode == "pending_human" and was != "pending_human"
    entered_human = mode == "human_active" and was != "human_active"
    packet = state.packet
    route = packet.route if packet is not None else None
    last = state.last_signals

    if mode == "pending_human":
        waiting_since = now if entered_pending or previous is None else previous.waiting_since or now
    else:
        waiting_since = None
    escalated_at = now if entered_pending else (previous.escalated_at if previous is not None else None)
    escalations = (previous.escalations if previous is not None else 0) + (1 if entered_pending else 0)

    if mode == "human_active":
        assigned_to = agent or (previous.assigned_to if previous is not None else None)
    elif mode == "pending_human":
        # Routing (choose_agent) fills this in when the conversation enters the queue.
        assigned_to = None if entered_pending or previous is None else previous.assigned_to
    elif mode == "closed":
        assigned_to = previous.assigned_to if previous is not None else None
    else:
        assigned_to = None

    if entered_human and was == "pending_human":
        # A pickup is a takeover from the queue; taking a conversation straight from the AI is not.
        picked_up_at: datetime | None = now
    elif entered_pending or entered_human:
        picked_up_at = None
    else:
        picked_up_at = previous.picked_up_at if previous is not None else None

    return BoardRow(
        conversation_id=state.conversation_id,
        channel=state.channel,
        handle=handle,
        customer_id=state.customer.id,
        customer_name=state.customer.name or None,
        mode=mode,
        language=route.language if route is not None and mode in _ACTIVE else state.language,
        queue=route.queue if route is not None else None,
        skill=route.skill if route is not None else None,
        priority=route.priority if route is not None else None,
        reasons=[r.code for r in packet.reasons] if packet is not None else [],
        waiting_since=waiting_since,
        assigned_to=assigned_to,
        picked_up_at=picked_up_at,
        started_at=previous.started_at if previous is not None else now,
        updated_at=now,
        last_customer_at=customer_wrote or (previous.last_customer_at if previous is not None else None),
        sentiment=last.sentiment if last is not None else None,
        escalated_at=escalated_at,
        escalations=escalations,
        last_inbound_id=inbound_id or (previous.last_inbound_id if previous is not None else None),
    )


def choose_agent(row: BoardRow, agents: Iterable[AgentAccount], active: Iterable[BoardRow]) -> str | None:
    """The most suitable available agent for a conversation waiting for a human: skilled for its queue or skill,
    speaks its language, fewest active conversations (ties: username). None when nobody fits (the conversation
    then waits in the queue of every agent who matches once they are back)."""
    load = Counter(r.assigned_to for r in active if r.mode in _ACTIVE and r.conversation_id != row.conversation_id)
    fits = [
        a
        for a in agents
        if a.role == "agent" and a.available and a.handles(queue=row.queue, skill=row.skill, language=row.language)
    ]
    if not fits:
        return None
    return min(fits, key=lambda a: (load[a.username], a.username)).username


def queue_for(agent: AgentAccount, rows: Iterable[BoardRow]) -> list[BoardRow]:
    """Conversations waiting for a human that ``agent`` can take (admins: all), most urgent first, then the
    longest waiting."""
    waiting = [
        r
        for r in rows
        if r.mode == "pending_human"
        and (
            agent.role == "admin"
            or r.assigned_to == agent.username
            or agent.handles(queue=r.queue, skill=r.skill, language=r.language)
        )
    ]
    return sorted(
        waiting,
        key=lambda r: (
            PRIORITY_RANK.get(r.priority or "normal", 2),
            (r.waiting_since or r.updated_at).timestamp(),
            r.conversation_id,
        ),
    )


class Kpis(BaseModel):
    """The team lead's operational view over the conversations the server has seen."""

    model_config = ConfigDict(frozen=True)

    conversations: int = Field(description="Conversations in which the customer wrote at least once.")
    contained: int = Field(description="... of which the AI handled without a human.")
    escalated: int = Field(description="... of which were handed to a human at least once.")
    containment_rate: float | None = Field(description="contained / conversations.")
    escalation_rate: float | None = Field(description="escalated / conversations.")
    escalation_reasons: dict[str, int] = Field(description="Escalated conversations per reason code.")
    waiting_now: int = Field(description="Conversations waiting for a human now.")
    human_active_now: int = Field(description="Conversations a human is working now.")
    longest_wait_s: float | None = Field(description="How long the longest-waiting conversation has waited.")
    pickups: int = Field(description="Handoffs a human has taken over.")
    pickup_p50_s: float | None = Field(description="Median time from handoff to takeover, in seconds.")
    pickup_p90_s: float | None = Field(description="90th percentile time from handoff to takeover, in seconds.")
    sentiment_avg: float | None = Field(description="Mean of each conversation's latest sentiment (-1..1).")
    negative_share: float | None = Field(description="Share of conversations whose latest sentiment is negative.")
    by_mode: dict[str, int] = Field(description="Conversations per mode.")


def compute_kpis(rows: Sequence[BoardRow], now: datetime) -> Kpis:
    """KPIs over ``rows`` (one per conversation)."""
    engaged = [r for r in rows if r.last_customer_at is not None]
    escalated = [r for r in engaged if r.escalations > 0]
    reasons = Counter(code for r in escalated for code in dict.fromkeys(r.reasons))
    waiting = [r for r in rows if r.mode == "pending_human"]
    pickups = [
        (r.picked_up_at - r.escalated_at).total_seconds()
        for r in rows
        if r.picked_up_at is not None and r.escalated_at is not None and r.picked_up_at >= r.escalated_at
    ]
    sentiments = [r.sentiment for r in engaged if r.sentiment is not None]
    total = len(engaged)
    return Kpis(
        conversations=total,
        contained=total - len(escalated),
        escalated=len(escalated),
        containment_rate=(total - len(escalated)) / total if total else None,
        escalation_rate=len(escalated) / total if total else None,
        escalation_reasons=dict(reasons.most_common()),
        waiting_now=len(waiting),
        human_active_now=sum(1 for r in rows if r.mode == "human_active"),
        longest_wait_s=max(((now - (r.waiting_since or now)).total_seconds() for r in waiting), default=None),
        pickups=len(pickups),
        pickup_p50_s=_percentile(pickups, 50),
        pickup_p90_s=_percentile(pickups, 90),
        sentiment_avg=statistics.fmean(sentiments) if sentiments else None,
        negative_share=sum(1 for s in sentiments if s <= _NEGATIVE) / len(sentiments) if sentiments else None,
        by_mode=dict(Counter(r.mode for r in rows)),
    )


def _percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    # nearest-rank on the sorted sample: exact for small samples, no interpolation surprises
    rank = max(1, -(-q * len(ordered) // 100))
    return ordered[rank - 1]
