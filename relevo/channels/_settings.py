"""Channel configuration: one pydantic model per provider, loaded from ``RELEVO_WHATSAPP_*`` / ``RELEVO_TWILIO_*``.

Secrets are :class:`~pydantic.SecretStr`: ``repr``, ``str`` and logs show ``**********``. A channel whose secret
is missing still mounts its webhooks, which then answer 503 naming the variable to set: relevo never accepts an
unsigned delivery.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from relevo._errors import ConfigurationError

__all__ = ["TwilioSettings", "WhatsAppSettings"]

_HTTP_URL = re.compile(r"^https?://[^\s/]+(/[^\s]*)?$")


class _ChannelSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    env_prefix: ClassVar[str]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Settings from ``environ`` (default: the process environment); every field is ``<prefix><NAME>``.

        Raises:
            ConfigurationError: a variable with the prefix names no setting (a typo would silently leave the
                channel unconfigured), or a value is invalid. Values are never quoted in the message.
        """
        env = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for key, value in env.items():
            if not key.startswith(cls.env_prefix):
                continue
            name = key[len(cls.env_prefix) :].lower()
            if name not in cls.model_fields:
                known = ", ".join(cls.env_prefix + field.upper() for field in cls.model_fields)
                raise ConfigurationError(f"{key} is not a relevo setting; known: {known}")
            values[name] = value
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{cls.env_prefix}{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
                for err in exc.errors(include_url=False, include_input=False)
            )
            raise ConfigurationError(problems) from exc

    @staticmethod
    def _check_url(value: str, *, empty_ok: bool) -> str:
        value = value.strip().rstrip("/")
        if not value and empty_ok:
            return value
        if not _HTTP_URL.match(value):
            raise ValueError("must be an http(s) URL such as https://example.com")
        return value


def _secret(value: SecretStr | None) -> bool:
    return value is not None and value.get_secret_value() != ""


class WhatsAppSettings(_ChannelSettings):
    """WhatsApp Cloud API: webhook secrets, the sending number, and the template for closed windows."""

    env_prefix: ClassVar[str] = "RELEVO_WHATSAPP_"

    verify_token: SecretStr | None = None
    """Your choice of token, entered in the Meta app's webhook settings; answers the GET challenge."""
    app_secret: SecretStr | None = None
    """The Meta app secret: every POST delivery must be signed with it (``X-Hub-Signature-256``)."""
    access_token: SecretStr | None = None
    """A system-user access token with ``whatsapp_business_messaging`` permission, for sending."""
    phone_number_id: str = ""
    """The sending number's id in the Graph API (not the phone number itself)."""
    graph_base_url: str = "https://graph.facebook.com"
    api_version: str = "v23.0"
    template_name: str = ""
    """An approved template with one body variable ``{{1}}``: replies outside the 24-hour customer-service
    window go out as this template with the reply text as the variable. Empty: such replies are refused."""
    template_language: str = "en_US"
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    @field_validator("graph_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return cls._check_url(value, empty_ok=False)

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not re.fullmatch(r"v\d+\.\d+", value):
            raise ValueError("must look like v23.0")
        return value

    @property
    def missing_to_receive(self) -> list[str]:
        """Variables to set before POST deliveries are accepted (empty when ready)."""
        return [] if _secret(self.app_secret) else [self.env_prefix + "APP_SECRET"]

    @property
    def missing_to_verify(self) -> list[str]:
        """Variables to set before the GET verification challenge is answered (empty when ready)."""
        return [] if _secret(self.verify_token) else [self.env_prefix + "VERIFY_TOKEN"]

    @property
    def missing_to_send(self) -> list[str]:
        """Variables to set before replies can be sent (empty when ready)."""
        missing: list[str] = []
        if not _secret(self.access_token):
            missing.append(self.env_prefix + "ACCESS_TOKEN")
        if not self.phone_number_id:
            missing.append(self.env_prefix + "PHONE_NUMBER_ID")
        return missing


class TwilioSettings(_ChannelSettings):
    """Twilio Messaging (SMS, and WhatsApp through Twilio): account, numbers, and the public webhook URL."""

    env_prefix: ClassVar[str] = "RELEVO_TWILIO_"

    account_sid: str = ""
    auth_token: SecretStr | None = None
    """Verifies ``X-Twilio-Signature`` on every webhook and authenticates replies."""
    from_number: str = ""
    """The SMS sender (``+15005550006``) or a Messaging Service SID (``MG...``)."""
    whatsapp_from: str = ""
    """The WhatsApp sender (``whatsapp:+14155238886``); default ``whatsapp:`` + ``from_number`` (or the same
    Messaging Service)."""
    whatsapp_content_sid: str = ""
    """An approved Content template (``HX...``) with one variable ``{{1}}`` for WhatsApp replies outside the
    24-hour window. Empty: such replies are refused."""
    api_base_url: str = "https://api.twilio.com"
    public_base_url: str = ""
    """The URL Twilio calls, up to the path (``https://relevo.example.com``). The signature covers the URL
    Twilio used, which behind a proxy differs from the one the server sees. Empty: the request's own URL.
    Also used for ``StatusCallback`` on replies."""
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    @field_validator("api_base_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return cls._check_url(value, empty_ok=False)

    @field_validator("public_base_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        return cls._check_url(value, empty_ok=True)

    @property
    def whatsapp_sender(self) -> str:
        """The ``From`` of WhatsApp replies."""
        if self.whatsapp_from:
            return (
                self.whatsapp_from if self.whatsapp_from.startswith("whatsapp:") else "whatsapp:" + self.whatsapp_from
            )
        if self.from_number.startswith("MG"):  # a Messaging Service sends on every channel it has senders for
            return self.from_number
        return "whatsapp:" + self.from_number if self.from_number else ""

    @property
    def missing_to_receive(self) -> list[str]:
        """Variables to set before webhooks are accepted (empty when ready)."""
        return [] if _secret(self.auth_token) else [self.env_prefix + "AUTH_TOKEN"]

    @property
    def missing_to_send(self) -> list[str]:
        """Variables to set before replies can be sent (empty when ready)."""
        missing = list(self.missing_to_receive)
        if not self.account_sid:
            missing.append(self.env_prefix + "ACCOUNT_SID")
        if not self.from_number and not self.whatsapp_from:
            missing.append(self.env_prefix + "FROM_NUMBER")
        return missing
