"""Test doubles shipped with relevo: scripted and function-driven models, and a fake OpenAI-compatible server."""

from relevo.testing._fake_openai import Behaviour, FakeOpenAIServer, fake_openai_server
from relevo.testing._models import FunctionModel, ScriptedModel, ScriptExhausted, ScriptStep, rejected, unavailable

__all__ = [
    "Behaviour",
    "FakeOpenAIServer",
    "FunctionModel",
    "ScriptExhausted",
    "ScriptStep",
    "ScriptedModel",
    "fake_openai_server",
    "rejected",
    "unavailable",
]
