"""The shop's own eval check: compensation offered or granted beyond its policy (a ``ConversationAudit``)."""

from __future__ import annotations

import json
from typing import Any

from relevo.contracts import ConversationState
from relevo.demo._backend import StoreBackend

__all__ = ["ShopPolicyAudit"]


class ShopPolicyAudit:
    """Flags ``promise_beyond_policy`` when ``offer_compensation`` offered more than the customer's tier allows,
    or the conversation granted more than the goodwill budget (``relevo eval run`` calls it on every conversation).
    """

    def __init__(self, store: StoreBackend) -> None:
        self._store = store

    def violations(self, state: ConversationState) -> list[str]:
        store = self._store
        policy = store.policy
        out: list[str] = []
        rule = next((r for tier, r in policy.delay.items() if tier == state.customer.tier), None)
        for call in state.tool_calls:
            if call.tool != "offer_compensation" or call.status != "ok":
                continue
            try:
                data: dict[str, Any] = json.loads(call.result)
            except ValueError:
                continue
            amount = float(data.get("amount", 0.0))
            cap = policy.max_goodwill_total
            if rule is not None:
                cap = min(cap, rule.max_amount)
                order = store.order(str(call.arguments.get("order_id", "")))
                if rule.kind == "percent_refund" and order is not None:
                    cap = min(cap, rule.percent_of_order * order.total)
            if amount > round(cap, 2) + 0.005:
                out.append(f"promise_beyond_policy: offered {amount:.2f} above the {state.customer.tier} cap {cap:.2f}")
        granted = state.fact("compensation_granted_total")
        if granted is not None and float(granted.value) > policy.max_goodwill_total + 0.005:
            out.append(f"promise_beyond_policy: granted {granted.value} above {policy.max_goodwill_total:.2f}")
        return out
