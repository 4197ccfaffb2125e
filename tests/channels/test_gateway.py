"""Settings from the environment, the gateway's routing of replies, and the whole channel loop over HTTP."""

from __future__ import annotations

import httpx
import pytest
from channel_harness import RecordingInbox, serving

import relevo.channels
from relevo import ConfigurationError
from relevo.channels import (
    TWILIO_MESSAGES_PATH,
    TWILIO_STATUS_PATH,
    WHATSAPP_WEBHOOK_PATH,
    ChannelGateway,
    TwilioSender,
    TwilioSettings,
    WhatsAppCloudSender,
    WhatsAppSettings,
)
from relevo.testing import (
    fake_graph_api,
    fake_twilio_api,
    twilio_message_params,
    twilio_status_params,
    twilio_webhook_request,
    whatsapp_status_payload,
    whatsapp_text_payload,
    whatsapp_webhook_request,
)

SID = "AC" + "9" * 32

PUBLIC_NAMES = {
    "SERVICE_WINDOW",
    "TWILIO_MESSAGES_PATH",
    "TWILIO_STATUS_PATH",
    "WHATSAPP_WEBHOOK_PATH",
    "AcceptInbound",
    "ChannelError",
    "ChannelGateway",
    "ChannelRejectedError",
    "ChannelUnavailableError",
    "Outbound",
    "RecordStatus",
    "StatusUpdate",
    "TwilioSender",
    "TwilioSettings",
    "WhatsAppCloudSender",
    "WhatsAppDelivery",
    "WhatsAppSettings",
    "in_service_window",
    "parse_twilio_message",
    "parse_twilio_status",
    "parse_whatsapp_payload",
    "twilio_router",
    "twilio_signature",
    "verify_twilio_signature",
    "verify_whatsapp_signature",
    "whatsapp_router",
    "whatsapp_signature",
}


def test_public_names() -> None:
    assert set(relevo.channels.__all__) == PUBLIC_NAMES
    assert all(getattr(relevo.channels, name) is not None for name in PUBLIC_NAMES)


def test_importing_channels_does_not_import_the_server() -> None:
    # relevo.server mounts the channel routers; the reverse import at load time would be circular
    import subprocess
    import sys

    code = "import sys, relevo.channels; print('relevo.server' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_settings_load_from_the_environment_and_hide_secrets() -> None:
    env = {
        "RELEVO_WHATSAPP_APP_SECRET": "meta-app-secret",
        "RELEVO_WHATSAPP_VERIFY_TOKEN": "verify-token",
        "RELEVO_WHATSAPP_ACCESS_TOKEN": "EAAG-token",
        "RELEVO_WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
        "RELEVO_WHATSAPP_GRAPH_BASE_URL": "http://127.0.0.1:9/",
        "RELEVO_WHATSAPP_TIMEOUT_S": "2.5",
        "RELEVO_TWILIO_ACCOUNT_SID": SID,
        "RELEVO_TWILIO_AUTH_TOKEN": "twilio-token",
        "RELEVO_TWILIO_FROM_NUMBER": "+15005550006",
        "UNRELATED": "x",
    }
    whatsapp = WhatsAppSettings.from_env(env)
    twilio = TwilioSettings.from_env(env)
    assert whatsapp.app_secret is not None and whatsapp.app_secret.get_secret_value() == "meta-app-secret"
    assert whatsapp.graph_base_url == "http://127.0.0.1:9" and whatsapp.timeout_s == 2.5
    assert twilio.whatsapp_sender == "whatsapp:+15005550006"
    shown = repr(whatsapp) + str(whatsapp) + repr(twilio) + str(twilio)
    for secret in ("meta-app-secret", "verify-token", "EAAG-token", "twilio-token"):
        assert secret not in shown
    assert whatsapp.missing_to_receive == whatsapp.missing_to_send == whatsapp.missing_to_verify == []
    assert twilio.missing_to_send == []


def test_an_unknown_variable_is_a_configuration_error_naming_it() -> None:
    with pytest.raises(
        ConfigurationError, match=r"RELEVO_WHATSAPP_APPSECRET is not a relevo setting; known: .*APP_SECRET"
    ):
        WhatsAppSettings.from_env({"RELEVO_WHATSAPP_APPSECRET": "typo"})


@pytest.mark.parametrize(
    ("env", "match"),
    [
        (
            {"RELEVO_WHATSAPP_GRAPH_BASE_URL": "graph.facebook.com"},
            "RELEVO_WHATSAPP_GRAPH_BASE_URL: Value error, must be an http",
        ),
        (
            {"RELEVO_WHATSAPP_API_VERSION": "latest-please"},
            "RELEVO_WHATSAPP_API_VERSION: Value error, must look like v23.0",
        ),
        ({"RELEVO_WHATSAPP_TIMEOUT_S": "-3.5"}, "RELEVO_WHATSAPP_TIMEOUT_S: Input should be greater than 0"),
    ],
)
def test_bad_values_are_configuration_errors_without_the_value(env: dict[str, str], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match) as caught:
        WhatsAppSettings.from_env(env)
    assert next(iter(env.values())) not in str(caught.value)


def test_the_gateway_picks_the_sender_by_channel_and_handle() -> None:
    gateway = ChannelGateway(
        WhatsAppSettings(access_token="t", phone_number_id="1"),
        TwilioSettings(account_sid=SID, auth_token="t", from_number="+15005550006"),
    )
    try:
        assert isinstance(gateway.sender("whatsapp", "351912345678"), WhatsAppCloudSender)
        assert isinstance(gateway.sender("whatsapp", "whatsapp:+351912345678"), TwilioSender)
        assert isinstance(gateway.sender("sms", "+15551230001"), TwilioSender)
        assert gateway.sender("web", "session-1") is None
    finally:
        gateway.close()
    unconfigured = ChannelGateway.from_env({})
    assert unconfigured.sender("whatsapp", "351912345678") is None
    assert unconfigured.sender("sms", "+15551230001") is None
    assert unconfigured.status()["whatsapp.receive"] == ["RELEVO_WHATSAPP_APP_SECRET"]


def test_the_whole_loop_message_in_reply_out_status_back() -> None:
    """A signed WhatsApp and an SMS message come in, the replies go out to the fakes, the statuses come back."""
    inbox = RecordingInbox()
    with fake_graph_api("EAAG-token", "106540352242922") as graph, fake_twilio_api(SID, "twilio-token") as twilio:
        gateway = ChannelGateway(
            WhatsAppSettings(
                app_secret="meta-secret",
                access_token="EAAG-token",
                phone_number_id="106540352242922",
                graph_base_url=graph.base_url,
            ),
            TwilioSettings(
                account_sid=SID, auth_token="twilio-token", from_number="+15005550006", api_base_url=twilio.base_url
            ),
        )
        with serving(*gateway.routers(inbox.accept, inbox.on_status)) as base:
            body, headers = whatsapp_webhook_request(
                whatsapp_text_payload("351912345678", "where is ORD-1042?"), "meta-secret"
            )
            assert httpx.post(base + WHATSAPP_WEBHOOK_PATH, content=body, headers=headers).status_code == 200
            url = base + TWILIO_MESSAGES_PATH
            body, headers = twilio_webhook_request(
                url, twilio_message_params("+15551230001", "refund?"), "twilio-token"
            )
            assert httpx.post(url, content=body, headers=headers).status_code == 200

            # what the server's worker does after a turn
            sent: list[str] = []
            for message in inbox.accepted:
                sender = gateway.sender(message.channel, message.handle)
                assert sender is not None
                provider_id = sender.send(
                    message.handle, f"re: {message.text}", from_human=False, last_customer_at=message.received_at
                )
                assert provider_id is not None
                sent.append(provider_id)

            body, headers = whatsapp_webhook_request(
                whatsapp_status_payload(sent[0], "delivered", recipient="351912345678"), "meta-secret"
            )
            assert httpx.post(base + WHATSAPP_WEBHOOK_PATH, content=body, headers=headers).json()["statuses"] == 1
            url = base + TWILIO_STATUS_PATH
            body, headers = twilio_webhook_request(url, twilio_status_params(sent[1], "sent"), "twilio-token")
            assert httpx.post(url, content=body, headers=headers).status_code == 204
        gateway.close()
    assert [m["text"]["body"] for m in graph.messages] == ["re: where is ORD-1042?"]
    assert [m["Body"] for m in twilio.messages] == ["re: refund?"]
    assert sent == [graph.sent_ids[0], twilio.sent_ids[0]]
    assert inbox.statuses == {sent[0]: "delivered", sent[1]: "sent"}
