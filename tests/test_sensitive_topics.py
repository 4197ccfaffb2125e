"""The sensitive topics a desk may hand off on are the ones the engine detects; a wrong name fails at load."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from relevo import ConfigurationError
from relevo._config import SensitiveTopicName, load_config
from relevo.desks import init_desk, load_desk
from relevo.models.offline._cues import SensitiveTopic, detect_sensitive


def test_the_configurable_topics_are_the_detected_ones() -> None:
    assert set(typing.get_args(SensitiveTopicName)) == set(typing.get_args(SensitiveTopic))


@pytest.mark.parametrize("topic", ["legal", "data protection", "bogus_topic", "Safety"])
def test_a_topic_the_engine_does_not_detect_is_named(topic: str) -> None:
    with pytest.raises(ConfigurationError, match=r"escalation\.policy_sensitive\.topics\.0.*legal_threat"):
        load_config(overrides={"escalation": {"policy_sensitive": {"topics": [topic]}}})


def test_a_desk_naming_a_wrong_topic_fails_at_load(tmp_path: Path) -> None:
    folder = tmp_path / "bank"
    init_desk(folder)
    toml = folder / "desk.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + '\n[config.escalation.policy_sensitive]\ntopics = ["legal"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError, match="topics"):
        load_desk(folder)


@pytest.mark.parametrize(
    ("text", "language", "topic"),
    [
        ("I will take you to court over these fees", "en", "legal_threat"),
        ("voy a denunciaros ante consumo", "es", "legal_threat"),
        ("vou abrir uma contestação da compra no cartão", "pt", "chargeback"),
        ("tôi sẽ báo ngân hàng tra soát giao dịch này", "vi", "chargeback"),
    ],
)
def test_each_topic_is_detected_under_its_configured_name(text: str, language: str, topic: str) -> None:
    assert topic in [m.topic for m in detect_sensitive(text, language)]
    assert topic in load_config().escalation.policy_sensitive.topics
