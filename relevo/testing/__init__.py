"""Test doubles shipped with relevo: scripted and function-driven models, a fake OpenAI-compatible server, a real
local LLM (SmolLM2 on llama.cpp), loopback stand-ins for the WhatsApp Graph API and Twilio REST, and signed channel
webhooks."""

from relevo.testing._channels import (
    FakeGraphAPI,
    FakeTwilioAPI,
    RecordedRequest,
    fake_graph_api,
    fake_twilio_api,
    sign_whatsapp,
    twilio_message_params,
    twilio_signature,
    twilio_status_params,
    twilio_webhook_request,
    whatsapp_status_payload,
    whatsapp_text_payload,
    whatsapp_webhook_request,
)
from relevo.testing._fake_openai import Behaviour, FakeOpenAIServer, Responder, fake_openai_server, schema_instance
from relevo.testing._local_llm import LocalLLMServer, local_llm_server, smollm2_model_path
from relevo.testing._models import FunctionModel, ScriptedModel, ScriptExhausted, ScriptStep, rejected, unavailable

__all__ = [
    "Behaviour",
    "FakeGraphAPI",
    "FakeOpenAIServer",
    "FakeTwilioAPI",
    "FunctionModel",
    "LocalLLMServer",
    "RecordedRequest",
    "Responder",
    "ScriptExhausted",
    "ScriptStep",
    "ScriptedModel",
    "fake_graph_api",
    "fake_openai_server",
    "fake_twilio_api",
    "local_llm_server",
    "rejected",
    "schema_instance",
    "sign_whatsapp",
    "smollm2_model_path",
    "twilio_message_params",
    "twilio_signature",
    "twilio_status_params",
    "twilio_webhook_request",
    "unavailable",
    "whatsapp_status_payload",
    "whatsapp_text_payload",
    "whatsapp_webhook_request",
]
