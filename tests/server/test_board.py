"""The console board: queue order, routing to the most suitable agent, KPIs, and the public names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import relevo.server
from relevo.contracts import ConversationState, CustomerRef, Mode, Priority
from relevo.server import AgentAccount, BoardRow, choose_agent, compute_kpis, queue_for
from relevo.server._board import next_row

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _row(conversation_id: str, mode: Mode = "pending_human", **changes: Any) -> BoardRow:
    values: dict[str, Any] = {
        "conversation_id": conversation_id,
        "channel": "web",
        "handle": f"web-{conversation_id}",
        "customer_id": "C-1",
        "mode": mode,
        "language": "en",
        "queue": "orders",
        "skill": "delivery_issues",
        "priority": "normal",
        "started_at": T0,
        "updated_at": T0,
        "waiting_since": T0 if mode == "pending_human" else None,
    }
    values.update(changes)
    return BoardRow(**values)


def _agent(username: str, skills: list[str], languages: list[str], **changes: Any) -> AgentAccount:
    return AgentAccount(username=username, name=username.title(), skills=skills, languages=languages, **changes)


def test_the_queue_is_sorted_by_priority_then_waiting_time() -> None:
    def at(minutes: int) -> datetime:
        return T0 + timedelta(minutes=minutes)

    priorities: list[tuple[str, Priority, int]] = [
        ("low-old", "low", 0),
        ("normal-new", "normal", 9),
        ("urgent-new", "urgent", 8),
        ("high", "high", 5),
        ("normal-old", "normal", 1),
        ("urgent-old", "urgent", 2),
    ]
    rows = [_row(cid, priority=p, waiting_since=at(m)) for cid, p, m in priorities]
    ordered = queue_for(_agent("ana", ["orders"], ["en"]), rows)
    assert [r.conversation_id for r in ordered] == [
        "urgent-old",
        "urgent-new",
        "high",
        "normal-old",
        "normal-new",
        "low-old",
    ]


def test_the_queue_shows_what_the_agent_can_take() -> None:
    rows = [
        _row("orders-en"),
        _row("orders-vi", language="vi"),
        _row("billing-en", queue="billing", skill="payments"),
        _row("by-skill", queue="returns", skill="refunds"),
        _row("talking", mode="human_active"),
        _row("routed-to-ana", queue="sales", skill="b2b_sales", assigned_to="ana"),
    ]
    ana = _agent("ana", ["orders", "refunds"], ["en", "es"])
    assert [r.conversation_id for r in queue_for(ana, rows)] == ["by-skill", "orders-en", "routed-to-ana"]
    admin = _agent("boss", [], [], role="admin")
    assert len(queue_for(admin, rows)) == 5  # everything waiting
    everyone = _agent("any", ["*"], ["*"])
    assert {r.conversation_id for r in queue_for(everyone, rows)} >= {"orders-vi", "billing-en"}


def test_routing_picks_the_least_busy_available_agent_with_the_skill_and_language() -> None:
    waiting = _row("new", language="es")
    agents = [
        _agent("ana", ["orders"], ["en", "es"]),
        _agent("bea", ["orders"], ["es"]),
        _agent("cid", ["orders"], ["es"], available=False),
        _agent("dan", ["billing"], ["es"]),
        _agent("eve", ["orders"], ["en"]),
        _agent("lead", ["*"], ["*"], role="admin"),
    ]
    busy = [_row("a1", mode="human_active", assigned_to="ana")]
    assert choose_agent(waiting, agents, busy) == "bea"
    busy.append(_row("b1", mode="human_active", assigned_to="bea"))
    busy.append(_row("b2", mode="pending_human", assigned_to="bea"))
    assert choose_agent(waiting, agents, busy) == "ana"
    # Closed conversations do not count as load.
    assert choose_agent(waiting, agents, [_row("a2", mode="closed", assigned_to="ana")]) == "ana"
    assert choose_agent(_row("vi", language="vi"), agents, []) is None  # nobody speaks Vietnamese


def test_kpis() -> None:
    rows = [
        _row("contained", mode="closed", last_customer_at=T0, sentiment=0.4, priority=None, queue=None),
        _row(
            "picked-up",
            mode="human_active",
            last_customer_at=T0,
            escalated_at=T0,
            escalations=1,
            picked_up_at=T0 + timedelta(seconds=30),
            reasons=["explicit_request", "negative_sentiment"],
            sentiment=-0.7,
        ),
        _row(
            "picked-up-late",
            mode="ai_active",
            last_customer_at=T0,
            escalated_at=T0,
            escalations=1,
            picked_up_at=T0 + timedelta(seconds=90),
            reasons=["explicit_request"],
            sentiment=0.0,
        ),
        _row("waiting", last_customer_at=T0, escalated_at=T0, escalations=1, reasons=["vip"], sentiment=-0.1),
        _row("silent", mode="ai_active"),  # never wrote: not a conversation yet
    ]
    k = compute_kpis(rows, T0 + timedelta(minutes=2))
    assert (k.conversations, k.contained, k.escalated) == (4, 1, 3)
    assert k.containment_rate == 0.25 and k.escalation_rate == 0.75
    assert k.escalation_reasons == {"explicit_request": 2, "negative_sentiment": 1, "vip": 1}
    assert (k.waiting_now, k.human_active_now, k.longest_wait_s) == (1, 1, 120.0)
    assert (k.pickups, k.pickup_p50_s, k.pickup_p90_s) == (2, 30.0, 90.0)
    assert k.sentiment_avg is not None and abs(k.sentiment_avg - (-0.1)) < 1e-9
    assert k.negative_share == 0.25
    assert k.by_mode == {"closed": 1, "human_active": 1, "ai_active": 2, "pending_human": 1}
    empty = compute_kpis([], T0)
    assert empty.containment_rate is None and empty.pickup_p50_s is None


def test_public_names() -> None:
    assert set(relevo.server.__all__) == {
        "DEFAULT_AGENTS",
        "AccessError",
        "AgentAccount",
        "AgentDirectory",
        "BoardRow",
        "Claim",
        "DeadLetter",
        "DeliveryStatus",
        "Inbound",
        "Kpis",
        "SenderLookup",
        "ServeService",
        "ServeSettings",
        "ServeStore",
        "ServerRuntime",
        "SqliteServeStore",
        "TokenSigner",
        "choose_agent",
        "compute_kpis",
        "create_app",
        "hash_password",
        "open_runtime",
        "open_serve_store",
        "queue_for",
        "serve",
        "serve_config",
        "verify_password",
    }


def test_only_a_takeover_from_the_queue_counts_as_a_pickup() -> None:
    def state(mode: Mode) -> ConversationState:
        return ConversationState(conversation_id="c1", customer=CustomerRef(id="C-1"), mode=mode)

    waiting = next_row(state("pending_human"), _row("c1", "ai_active"), handle="h", now=T0)
    taken = next_row(state("human_active"), waiting, handle="h", now=T0 + timedelta(seconds=90), agent="ana")
    assert taken.picked_up_at == T0 + timedelta(seconds=90) and taken.escalated_at == T0
    back = next_row(state("ai_active"), taken, handle="h", now=T0 + timedelta(minutes=5))
    # an agent who jumps into a conversation the AI is handling did not pick anything up from the queue
    direct = next_row(state("human_active"), back, handle="h", now=T0 + timedelta(hours=1), agent="ben")
    assert direct.picked_up_at is None
    kpis = compute_kpis([direct], T0 + timedelta(hours=1))
    assert kpis.pickups == 0 and kpis.pickup_p50_s is None


def test_the_whatsapp_window_runs_from_when_the_customer_wrote() -> None:
    wrote = T0 - timedelta(minutes=40)  # the message waited in the queue before a worker got to it
    row = next_row(
        ConversationState(conversation_id="c1", customer=CustomerRef(id="C-1")),
        None,
        handle="h",
        now=T0,
        customer_wrote=wrote,
    )
    assert row.last_customer_at == wrote
