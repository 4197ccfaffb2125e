"""A desk of your own, built only on the public API: brand and scope in every reply, a tool answering offline
with no resolver class, refusals versus failures, triggers choosing their queue, and no demo text anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from relevo import ConfigurationError, DeskBuilder, DeskProfile, PolicyView, ToolRefused, ToolRegistry, trigger
from relevo._config import load_config
from relevo.agents import ReplyTexts, TriggerResult
from relevo.contracts import Article, CustomerProfile, InMemoryDirectory, IntentCatalog, IntentDefinition, ToolAnswer
from relevo.orchestrator import SupportDesk

LANGUAGES = ("en", "es", "pt", "vi")
DEMO_WORDS = ("Lumen", "ORD-", "order", "pedido", "pedidos", "đơn hàng", "warranty", "garantía")

ASK_ACCOUNT = {
    "en": "What is your account number? It has six digits.",
    "es": "¿Cuál es tu número de cuenta? Tiene seis dígitos.",
    "pt": "Qual é o número da sua conta? Tem seis dígitos.",
    "vi": "Số tài khoản của bạn là gì? Số gồm sáu chữ số.",
}
BALANCE_REPLY = {
    "en": "The balance of account {account} is {balance} {currency}.",
    "es": "El saldo de la cuenta {account} es {balance} {currency}.",
    "pt": "O saldo da conta {account} é {balance} {currency}.",
    "vi": "Số dư tài khoản {account} là {balance} {currency}.",
}
REFUSED_REPLY = {
    "en": "I can't find account {account}. Could you check the number?",
    "es": "No encuentro la cuenta {account}. ¿Puedes revisar el número?",
    "pt": "Não encontro a conta {account}. Pode verificar o número?",
    "vi": "Tôi không tìm thấy tài khoản {account}. Bạn kiểm tra lại số giúp tôi nhé?",
}
ASK_BALANCE = {
    "en": "what is my balance?",
    "es": "¿cuál es mi saldo?",
    "pt": "qual é o meu saldo?",
    "vi": "số dư của tôi là bao nhiêu?",
}
GREETING = {"en": "hello", "es": "hola, buenos días", "pt": "olá, bom dia", "vi": "xin chào"}


def get_balance(account_number: str) -> dict[str, str]:
    """The prepaid balance of an account.

    Args:
        account_number: The six-digit account number.
    """
    if account_number == "999999":
        raise ToolRefused(f"no account {account_number}")
    if account_number == "500500":
        raise RuntimeError("billing system timed out")
    return {"balance": "12.50", "currency": "EUR"}


def _catalog() -> IntentCatalog:
    balance = IntentDefinition(
        name="check_balance",
        description="The customer asks for their prepaid balance.",
        queue="billing",
        skill="billing",
        examples={
            "en": ["what is my balance?", "how much credit do I have left", "check my balance", "my balance please"],
            "es": ["¿cuál es mi saldo?", "cuánto saldo me queda", "consultar mi saldo", "quiero ver mi saldo"],
            "pt": ["qual é o meu saldo?", "quanto saldo tenho", "consultar o meu saldo", "ver o saldo da conta"],
            "vi": ["số dư của tôi là bao nhiêu?", "tôi còn bao nhiêu tiền trong tài khoản", "kiểm tra số dư"],
        },
        tool=ToolAnswer(
            name="get_balance",
            args={"account_number": "account"},
            facts=[{"name": "account", "pattern": r"\b(\d{6})\b", "ask": ASK_ACCOUNT}],  # pyright: ignore[reportArgumentType]
            reply=BALANCE_REPLY,
            refused=REFUSED_REPLY,
        ),
    )
    cancel = IntentDefinition(
        name="cancel_contract",
        description="The customer wants to end their contract.",
        queue="billing",
        skill="billing",
        kb_topic="contracts",
        examples={
            "en": ["I want to cancel my contract", "end my mobile plan", "how do I terminate my subscription"],
            "es": ["quiero cancelar mi contrato", "dar de baja mi línea", "cómo termino mi suscripción"],
            "pt": ["quero cancelar o meu contrato", "terminar o meu tarifário", "como cancelo a assinatura"],
            "vi": ["tôi muốn hủy hợp đồng", "chấm dứt gói cước của tôi", "làm sao để hủy thuê bao"],
        },
    )
    roaming = IntentDefinition(
        name="roaming",
        description="Using the phone abroad.",
        queue="support",
        skill="support",
        kb_topic="roaming",
        examples={
            "en": ["does my plan work abroad", "roaming charges in France", "can I use data when travelling"],
            "es": ["funciona mi plan en el extranjero", "tarifas de roaming en Francia", "datos de viaje"],
            "pt": ["o meu tarifário funciona no estrangeiro", "custos de roaming em França", "dados em viagem"],
            "vi": [
                "gói cước có dùng được ở nước ngoài không",
                "phí chuyển vùng quốc tế",
                "dùng dữ liệu khi đi du lịch",
            ],
        },
    )
    return IntentCatalog(intents=[balance, cancel, roaming])


ARTICLES = [
    Article(
        id="KB-ROAM-01",
        title="Roaming in the EU",
        topic="roaming",
        language="en",
        body="Your plan works in every EU country at no extra cost: calls, texts and data come from your allowance.",
    ),
    Article(
        id="KB-CANCEL-01",
        title="Ending your contract",
        topic="contracts",
        language="en",
        body="You can end your contract at any time with thirty days' notice; there is no fee after the first year.",
    ),
]

ACME = DeskProfile(name="Acme Mobile", scope="your plan, bills and roaming", tiers=["prepaid", "postpaid"])


@trigger("retention", stage="resolution", queue="retention", skill="retention", priority="high", answer_first=True)
def retention(view: PolicyView) -> str | None:
    return "the customer wants to leave" if view.signals.intent == "cancel_contract" else None


@trigger("roaming_specialist")
def roaming_specialist(view: PolicyView) -> TriggerResult | None:
    text = view.state.messages[-1].text.lower() if view.state.messages else ""
    return TriggerResult("roaming abroad with a broken phone", queue="roaming_desk") if "broken" in text else None


def acme() -> DeskBuilder:
    return (
        DeskBuilder(load_config())
        .with_profile(ACME)
        .with_catalog(_catalog())
        .with_articles(ARTICLES)
        .with_directory(InMemoryDirectory([CustomerProfile(id="A-1", name="Lee Park", tier="postpaid", language="en")]))
        .add_tool(get_balance)
        .add_trigger(retention)
        .add_trigger(roaming_specialist)
        .route_trigger("explicit_request", queue="humans", skill="frontline")
    )


@pytest.fixture(scope="module")
def acme_context():
    return acme().context()


@pytest.fixture
def acme_desk(tmp_path: Path, acme_context) -> Iterator[SupportDesk]:
    with acme().open_with_context(tmp_path, acme_context) as desk:
        yield desk


@pytest.fixture(scope="module")
def neutral_context():
    return DeskBuilder(load_config()).context()


def _no_demo_text(text: str) -> None:
    leaked = [word for word in DEMO_WORDS if word.lower() in text.lower()]
    assert leaked == [], f"demo text in {text!r}"


# -- item 6: brand and scope from the desk ------------------------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_neutral_desk_greets_without_any_brand(tmp_path: Path, neutral_context, language: str) -> None:
    with DeskBuilder(load_config()).open_with_context(tmp_path, neutral_context) as desk:
        turn = desk.send(desk.start(), GREETING[language])
    assert turn.reply is not None and "Support" in turn.reply
    _no_demo_text(turn.reply)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_desk_brand_greets_and_its_scope_redirects(acme_desk: SupportDesk, language: str) -> None:
    conv = acme_desk.start()
    greeting = acme_desk.send(conv, GREETING[language])
    assert greeting.reply is not None and "Acme Mobile" in greeting.reply
    _no_demo_text(greeting.reply)
    texts = acme_desk.context.texts
    assert "your plan, bills and roaming" in texts.render("out_of_scope", language)
    assert "your plan, bills and roaming" in texts.render("not_sure", language)


def test_reply_overrides_and_localised_scope() -> None:
    profile = DeskProfile(
        name="Acme Mobile",
        scope={"en": "your plan", "es": "tu plan"},
        languages=["en", "es"],
        texts={"thanks": {"pt": "Obrigado por escolher {desk_name}!"}},
    )
    texts = ReplyTexts(profile)
    assert texts.render("not_sure", "es").count("tu plan") == 1
    assert "your plan" in texts.render("not_sure", "en")
    assert texts.render("thanks", "pt") == "Obrigado por escolher Acme Mobile!"
    assert texts.render("thanks", "en") == ReplyTexts().render("thanks", "en")


def test_profile_rejects_unsupported_languages_and_ranks_tiers() -> None:
    with pytest.raises(ValidationError, match="unknown"):
        DeskProfile(languages=["en", "fr"])
    with pytest.raises(ValidationError, match="default_language"):
        DeskProfile(languages=["es"], default_language="en")
    assert ACME.rank("postpaid") == 1 and ACME.rank(None) == -1
    assert ACME.at_least("postpaid", "prepaid") and not ACME.at_least("prepaid", "postpaid")


# -- item 7: a tool answers offline, declaratively ------------------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_balance_tool_answers_after_asking_for_the_account(acme_desk: SupportDesk, language: str) -> None:
    conv = acme_desk.start()
    asked = acme_desk.send(conv, ASK_BALANCE[language])
    assert asked.signals is not None and asked.signals.intent == "check_balance"
    assert asked.reply == ASK_ACCOUNT[language]
    answered = acme_desk.send(conv, "123456")
    expected = BALANCE_REPLY[language].format(account="123456", balance="12.50", currency="EUR")
    assert answered.reply == expected
    state = acme_desk.state(conv)
    assert state.tool_calls[-1].tool == "get_balance" and state.tool_calls[-1].status == "ok"
    assert state.tool_calls[-1].id in state.messages[-1].grounding  # pyright: ignore[reportAttributeAccessIssue]
    assert state.fact("account") is not None


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refusal_is_answered_not_handed_off(acme_desk: SupportDesk, language: str) -> None:
    conv = acme_desk.start()
    turn = acme_desk.send(conv, f"{ASK_BALANCE[language]} 999999")
    assert turn.reply == REFUSED_REPLY[language].format(account="999999")
    assert turn.mode == "ai_active"
    state = acme_desk.state(conv)
    assert state.tool_calls[-1].status == "rejected"
    assert not [r for d in state.escalations for r in d.reasons if r.code == "tool_failure"]


def test_a_failing_tool_hands_off_as_tool_failure(acme_desk: SupportDesk) -> None:
    conv = acme_desk.start()
    turn = acme_desk.send(conv, "what is my balance? account 500500")
    assert turn.mode == "pending_human"
    assert turn.escalation is not None and "tool_failure" in turn.escalation.codes
    assert turn.packet is not None and "billing system timed out" in turn.packet.reasons[0].evidence


def test_an_intent_naming_an_unknown_tool_fails_at_build() -> None:
    with pytest.raises(ConfigurationError, match="tool 'get_balance' is not registered"):
        DeskBuilder(load_config()).with_catalog(_catalog()).context()


@pytest.mark.parametrize(
    ("fact", "message"),
    [
        ({"name": "account", "pattern": r"\d{6}", "ask": ASK_ACCOUNT}, "exactly one group"),
        ({"name": "account", "pattern": r"(\d{6}", "ask": ASK_ACCOUNT}, "not a regular expression"),
        ({"name": "account", "pattern": r"(\d{6})", "ask": {}}, "the question to ask"),
    ],
)
def test_malformed_tool_answers_are_refused(fact: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ToolAnswer.model_validate(
            {"name": "get_balance", "args": {"n": "account"}, "facts": [fact], "reply": {"en": "x"}}
        )


# -- item 8: routing and triggers ------------------------------------------------------------------------------
def test_an_empty_registry_means_no_tools(neutral_context) -> None:
    builder = DeskBuilder(load_config()).with_tools(ToolRegistry())
    assert builder.context().tools.names() == []
    with_one = DeskBuilder(load_config()).with_tools(ToolRegistry()).add_tool(get_balance)
    assert with_one.context().tools.names() == ["get_balance"]
    assert with_one.context().tools.names() == ["get_balance"], "building twice registers nothing twice"


def test_an_answer_first_trigger_sends_the_answer_then_hands_off_to_its_queue(acme_desk: SupportDesk) -> None:
    conv = acme_desk.start(customer_id="A-1")
    turn = acme_desk.send(conv, "I want to cancel my contract")
    assert turn.mode == "pending_human"
    assert turn.packet is not None
    assert (turn.packet.route.queue, turn.packet.route.skill, turn.packet.route.priority) == (
        "retention",
        "retention",
        "high",
    )
    ai = [m for m in acme_desk.state(conv).messages if m.kind == "ai"]
    assert "KB-CANCEL-01" in ai[-2].text, "the answer went out first"
    assert ai[-1].agent == "handoff"  # pyright: ignore[reportAttributeAccessIssue]


def test_a_custom_trigger_result_and_a_routed_builtin_choose_the_queue(acme_desk: SupportDesk) -> None:
    custom = acme_desk.send(acme_desk.start(), "my phone is broken and I am roaming in France")
    assert custom.packet is not None and custom.packet.route.queue == "roaming_desk"
    builtin = acme_desk.send(acme_desk.start(), "I want to talk to a person")
    assert builtin.packet is not None
    assert (builtin.packet.route.queue, builtin.packet.route.skill) == ("humans", "frontline")


def test_core_thresholds_name_no_intents_or_tiers() -> None:
    config = load_config()
    assert config.escalation.policy_sensitive.amount_intents == []
    assert config.escalation.lead_qualified.intents == []
    assert (config.escalation.vip.intents, config.escalation.vip.tiers, config.routing.high_tiers) == ([], [], [])
