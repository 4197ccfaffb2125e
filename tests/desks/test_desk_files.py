"""Desk folders: what loads, and malformed files named by file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from relevo import ConfigurationError, load_config
from relevo.desks import (
    DEFAULT_DESK,
    DeskFileError,
    UnknownDeskError,
    desk_definition,
    init_desk,
    load_desk,
    resolve_desk_reference,
)


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    folder = tmp_path / "acme"
    init_desk(folder)
    return folder


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_init_writes_a_desk_that_loads(acme: Path) -> None:
    names = sorted(str(p.relative_to(acme)) for p in acme.rglob("*") if p.is_file())
    assert {"desk.toml", "intents.yaml", "customers.yaml", "tools.py", "scenarios/basics.yaml"} <= set(names)
    assert any(name.startswith("kb/") for name in names)
    definition = desk_definition(acme)
    assert definition.name == "Acme"
    assert [a.username for a in definition.agents] == ["sam", "admin"]
    assert definition.scenarios == acme / "scenarios"
    builder = load_desk(acme)
    config = builder.config
    assert config.escalation.vip.tiers == ["resident"]  # desk.toml [config] applies


def test_init_refuses_a_folder_that_is_not_empty(acme: Path) -> None:
    from relevo import BadInputError

    with pytest.raises(BadInputError, match="already exists and is not an empty folder"):
        init_desk(acme)


def test_a_toml_syntax_error_names_file_and_line(acme: Path) -> None:
    toml = acme / "desk.toml"
    _replace(toml, 'default_language = "en"', 'default_language = "en')
    line = _line_of(toml, 'default_language = "en')
    with pytest.raises(DeskFileError, match=rf"desk\.toml: line {line}: not valid TOML"):
        desk_definition(acme)


@pytest.mark.parametrize(
    ("old", "new", "needle", "field"),
    [
        ('languages = ["en", "es", "pt"]', 'languages = ["en", "xx"]', "languages =", "desk.languages.1"),
        ('tiers = ["day_pass"', 'tierz = ["day_pass"', "tierz =", "desk.tierz"),
        ('en = "your membership', 'xx = "your membership', "[desk.scope]", "desk.scope"),
        ('username = "sam"', 'username = "Sam Smith"', 'username = "Sam Smith"', "agents.0.username"),
    ],
)
def test_a_bad_field_in_desk_toml_names_line_and_field(acme: Path, old: str, new: str, needle: str, field: str) -> None:
    toml = acme / "desk.toml"
    _replace(toml, old, new)
    line = _line_of(toml, needle)
    with pytest.raises(DeskFileError, match=rf"desk\.toml: .*line {line}: {field}:"):
        desk_definition(acme)


def test_a_bad_config_key_in_desk_toml_names_line_and_key(acme: Path) -> None:
    toml = acme / "desk.toml"
    _replace(toml, 'tiers = ["resident"]', 'tiers = ["resident"]\nsentiment_below = "very"')
    line = _line_of(toml, "sentiment_below")
    with pytest.raises(DeskFileError, match=rf"line {line}: config\.escalation\.vip\.sentiment_below"):
        load_desk(acme)


def test_a_bad_intent_field_names_line_and_field(acme: Path) -> None:
    intents = acme / "intents.yaml"
    _replace(intents, "    queue: membership\n", "    queue: [membership]\n")
    line = _line_of(intents, "queue: [membership]")
    with pytest.raises(DeskFileError, match=rf"intents\.yaml: line {line}: intents\.2\.queue:"):
        load_desk(acme)


def test_an_intent_defined_twice_is_named(acme: Path) -> None:
    intents = acme / "intents.yaml"
    _replace(intents, "  - name: meeting_rooms", "  - name: opening_hours")
    with pytest.raises(DeskFileError, match=r"intents\.1\.name: intent 'opening_hours' is defined twice"):
        load_desk(acme)


def test_bad_article_front_matter_names_line_and_field(acme: Path) -> None:
    article = acme / "kb" / "membership.es.md"
    _replace(article, "title: Planes de membresía\n", "")
    with pytest.raises(DeskFileError, match=r"membership\.es\.md: line \d+: title: Field required"):
        load_desk(acme)
    _replace(article, "topic: membership", "topic: [membership")
    with pytest.raises(DeskFileError, match=r"membership\.es\.md: line \d+: not valid YAML"):
        load_desk(acme)


def test_a_setting_naming_an_intent_the_catalog_lacks_fails_at_load(acme: Path) -> None:
    _replace(acme / "desk.toml", 'intents = ["membership_change"]', 'intents = ["complaint"]')
    with pytest.raises(ConfigurationError, match=r"escalation\.vip\.intents names intent 'complaint'"):
        load_desk(acme)


def test_a_customer_with_a_tier_the_desk_does_not_rank_is_named(acme: Path) -> None:
    _replace(acme / "customers.yaml", "tier: member", "tier: platinum")
    with pytest.raises(DeskFileError, match=r"customers\.yaml: line 5: customers\.0\.tier: 'platinum'"):
        load_desk(acme)


def test_desk_config_goes_under_the_deployments_own(acme: Path) -> None:
    own = load_config(overrides={"escalation": {"vip": {"tiers": ["member"]}}})
    assert desk_definition(acme).config(own).escalation.vip.tiers == ["member"]
    assert desk_definition(acme).config(load_config()).escalation.vip.tiers == ["resident"]


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("no/such/folder", "no such folder"),
        ("relevo_no_such_module:desk", "no module named 'relevo_no_such_module'"),
        ("relevo.desks:no_such_factory", "has no function 'no_such_factory'"),
        ("not a reference", "not a folder and not package.module:function"),
    ],
)
def test_an_unknown_desk_is_a_clear_error(reference: str, message: str) -> None:
    with pytest.raises(UnknownDeskError, match=message):
        desk_definition(reference)


def test_a_folder_without_desk_toml_is_named(tmp_path: Path) -> None:
    with pytest.raises(UnknownDeskError, match=r"has no desk\.toml"):
        desk_definition(tmp_path)


def test_which_desk_a_command_runs(acme: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert resolve_desk_reference(None, {}, empty) == DEFAULT_DESK
    assert resolve_desk_reference(None, {}, acme) == str(acme)
    assert resolve_desk_reference(None, {"RELEVO_DESK": "pkg.mod:fn"}, acme) == "pkg.mod:fn"
    assert resolve_desk_reference("other", {"RELEVO_DESK": "pkg.mod:fn"}, acme) == "other"


def test_tools_py_without_tools_list_is_named(acme: Path) -> None:
    (acme / "tools.py").write_text("def f() -> int:\n    return 1\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"tools\.py: define TOOLS"):
        load_desk(acme)


def test_tools_py_declares_what_each_tool_establishes(acme: Path) -> None:
    tools = acme / "tools.py"
    tools.write_text(
        tools.read_text(encoding="utf-8")
        + "\nfrom relevo.tools import ToolEffects\n"
        + 'EFFECTS = {"room_capacity": ToolEffects(facts={"seats": "room_seats"})}\n',
        encoding="utf-8",
    )
    registry = load_desk(acme)._checked_parts()[1]  # pyright: ignore[reportPrivateUsage]
    assert registry.effects("room_capacity").facts == {"seats": "room_seats"}


def test_the_example_desk_declares_its_tools_effects() -> None:
    registry = load_desk(Path(__file__).parents[2] / "examples" / "telecom")._checked_parts()[1]  # pyright: ignore[reportPrivateUsage]
    assert registry.effects("block_sim").commitment.startswith("SIM blocked")
    assert registry.effects("account_balance").facts["balance"] == "balance"


@pytest.mark.parametrize(
    ("effects", "message"),
    [
        (
            '{"room_capacty": ToolEffects()}',
            r"EFFECTS\['room_capacty'\]: no tool of TOOLS is named so \(tools: room_capacity\)",
        ),
        ('{"room_capacity": {"facts": {}}}', r"EFFECTS\['room_capacity'\]: expected relevo.tools.ToolEffects"),
        ("[ToolEffects()]", r"EFFECTS must be a dict"),
    ],
)
def test_a_bad_effects_declaration_is_named(acme: Path, effects: str, message: str) -> None:
    tools = acme / "tools.py"
    tools.write_text(
        tools.read_text(encoding="utf-8") + f"\nfrom relevo.tools import ToolEffects\nEFFECTS = {effects}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError, match=message):
        load_desk(acme)


def test_two_desks_with_the_same_file_names_do_not_share_modules(acme: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(acme, other)
    (other / "tools.py").write_text("TOOLS = []\n", encoding="utf-8")
    load_desk(acme)
    load_desk(other)  # its own tools.py, not acme's cached module


def _route(acme: Path, line: str) -> None:
    toml = acme / "desk.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f"\n[config.routing.reason_queues]\n{line}\n", encoding="utf-8")


def test_reason_queues_route_a_reason_to_a_declared_queue(acme: Path) -> None:
    _route(acme, 'explicit_request = { queue = "membership" }')
    routes = load_desk(acme).config.routing.reason_queues
    assert {code: (r.queue, r.skill) for code, r in routes.items()} == {"explicit_request": ("membership", None)}


def test_reason_queues_naming_a_queue_the_desk_does_not_declare_is_named(acme: Path) -> None:
    _route(acme, 'lead_qualified = { queue = "sales", skill = "sales" }')
    line = _line_of(acme / "desk.toml", "lead_qualified =")
    key = r"config\.routing\.reason_queues\.lead_qualified\.queue"
    expected = rf"desk\.toml: line {line}: {key}: 'sales' is not a queue"
    with pytest.raises(DeskFileError, match=expected):
        load_desk(acme)


def test_reason_queues_naming_a_reason_no_trigger_raises_fails_at_load(acme: Path) -> None:
    _route(acme, 'lead_qualifed = { queue = "membership" }')
    with pytest.raises(ConfigurationError, match=r"routing\.reason_queues names reason 'lead_qualifed'"):
        load_desk(acme).context()


def test_built_in_intents_hand_off_to_a_declared_queue(acme: Path) -> None:
    # A request for a person with no topic used to go to 'general' whether or not the desk declared it: nobody
    # but an admin could take it in serve.
    _replace(acme / "desk.toml", 'name = "general"\nskills = ["general"]', 'name = "front_desk"\nskills = ["front"]')
    intents = acme / "intents.yaml"
    intents.write_text(intents.read_text(encoding="utf-8").replace("queue: general", "queue: front_desk"), "utf-8")
    with pytest.raises(DeskFileError, match=r"desk\.toml: default_queue: .*'general', which \[\[queues\]\] does not"):
        load_desk(acme)

    text = (acme / "desk.toml").read_text(encoding="utf-8")
    (acme / "desk.toml").write_text('default_queue = "front_desk"\n' + text, encoding="utf-8")
    catalog = load_desk(acme).context().catalog
    for name in ("human_agent", "out_of_scope", "greeting"):
        intent = catalog.get(name)
        assert intent is not None and (intent.queue, intent.skill) == ("front_desk", "front")


def test_a_queue_label_names_the_team_in_each_language(acme: Path) -> None:
    _replace(
        acme / "desk.toml",
        'label = { en = "membership", es = "socios", pt = "sócios" }',
        'label = { en = "memberships", es = "socios", pt = "sócios", vi = "hội viên" }',
    )
    texts = load_desk(acme).context().texts
    expected = {"en": "memberships", "es": "socios", "pt": "sócios", "vi": "hội viên"}
    assert {lang: texts.word("membership", lang) for lang in expected} == expected
    assert texts.word("general", "es") == "atención al cliente", "relevo's own words for its queue names stay"
