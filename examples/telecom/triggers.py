"""Vela Mobile's own escalation rule: a customer who says they are leaving goes to the retention team, whatever
they were talking about (a bill, coverage...), at high priority for business accounts."""

from __future__ import annotations

import re

from relevo import DeskBuilder, PolicyView, TriggerResult, trigger

_LEAVING = re.compile(
    r"\b(?:switch(?:ing)? (?:to|carrier|provider)|(?:leave|leaving|cancel(?:ling)?) (?:vela|you|my contract)|"
    r"port(?:ing)? my number|"
    r"me (?:voy|cambio) (?:a|con) (?:otra|otro)|cambiarme de compañía|darme de baja|portar mi número|"
    r"vou mudar de operador|mudar de operadora|cancelar o (?:meu )?contrato|portar o (?:meu )?número)\b",
    re.IGNORECASE,
)


@trigger("retention_risk", queue="retention", skill="retention")
def retention_risk(view: PolicyView) -> TriggerResult | None:
    """The customer says they are leaving or moving their number elsewhere."""
    text = next((m.text for m in view.state.messages if m.id == view.signals.message_id), "")
    found = _LEAVING.search(text)
    if found is None:
        return None
    business = view.state.customer.tier == "business"
    return TriggerResult(f"customer says they may leave: {found.group(0)!r}", priority="high" if business else None)


def extend(desk: DeskBuilder) -> DeskBuilder:
    """Add the retention rule to the desk loaded from desk.toml."""
    return desk.add_trigger(retention_risk)
