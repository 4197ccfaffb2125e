"""The whole API against its own OpenAPI document, fuzzed by schemathesis: no server error, no response that the
document does not describe (status, content type, body schema, headers), and every request the document calls
invalid refused.

Each operation gets a bounded number of generated examples (``RELEVO_SCHEMATHESIS_EXAMPLES``, default 25), sent
in-process (ASGI) with the token the operation needs: a web chat customer's (for their own conversation), an
agent's, an admin's; webhooks verify signatures, so generated ones are unsigned. The live event streams are left
out: they answer until the client goes away, which a generated client never does.

Every default check runs but ``positive_data_acceptance``: a schema-valid request may still be refused on what
the schema cannot say (an unknown demo customer, a new account without a password, a message of only spaces):
that is a 422 by design. Unknown query parameters are ignored (FastAPI's way), so none are generated.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from serve_harness import serve_settings

from relevo._config import load_config
from relevo.channels import ChannelGateway
from relevo.orchestrator import RunContext
from relevo.server import ServerRuntime, create_app, open_runtime

EXAMPLES = int(os.environ.get("RELEVO_SCHEMATHESIS_EXAMPLES", "25"))


class Tokens:
    """Fresh tokens per request, signed by the server's own key (sign-in is fuzzed too, and gets throttled)."""

    def __init__(self, runtime: ServerRuntime, conversation_id: str, handle: str) -> None:
        self.runtime = runtime
        self.conversation_id = conversation_id
        self.handle = handle
        self._sent = 0

    def headers_for(self, case: schemathesis.Case) -> dict[str, str]:
        path: str = case.operation.path
        signer, hour = self.runtime.signer, timedelta(hours=1)
        self._sent += 1
        if path.startswith("/api/conversations/{") and self._sent % 2:
            # Every other console command goes to the real conversation (the rest: generated ids, mostly 404).
            assert case.path_parameters is not None
            case.path_parameters["conversation_id"] = self.conversation_id
        if path.startswith("/api/chat/conversations/"):
            # The customer's own conversation, so the request gets past the token check.
            assert case.path_parameters is not None
            case.path_parameters["conversation_id"] = self.conversation_id
            token = signer.customer(self.conversation_id, self.handle, hour)
        elif path.startswith("/api/admin/"):
            token = signer.agent("admin", hour)
        elif path.startswith("/api/") and not path.startswith(("/api/chat/", "/api/auth/login")):
            token = signer.agent("ana", hour)
        else:
            return {}
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def fuzzed(tmp_path: Path, run_context: RunContext) -> Iterator[tuple[Any, Tokens]]:
    gateway = ChannelGateway.from_env(
        {
            "RELEVO_WHATSAPP_APP_SECRET": "fuzz-app-secret",
            "RELEVO_WHATSAPP_VERIFY_TOKEN": "fuzz-verify",
            "RELEVO_TWILIO_AUTH_TOKEN": "fuzz-twilio-token",
        }
    )
    runtime = open_runtime(
        serve_settings(tmp_path / "data"), config=load_config(), context=run_context, gateway=gateway
    )
    app = create_app(runtime=runtime)
    with TestClient(app) as client:  # the lifespan runs: workers take what gets queued
        session = client.post("/api/chat/sessions", json={}).json()
        handle = runtime.signer.read(session["token"])
        assert handle is not None and handle.kind == "customer"
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        # Unknown query parameters are ignored (FastAPI's way), not refused; tokens are added per request below
        # (the 401s of every endpoint without one are tests/server/test_auth.py's).
        schema.config.generation.update(allow_extra_parameters=False, with_security_parameters=False)
        yield schema, Tokens(runtime, session["conversation_id"], handle.handle)
    runtime.close()


# schemathesis's own strategies use `random` (its deprecation warning, not ours).
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
def test_the_api_keeps_to_its_openapi_document(fuzzed: tuple[Any, Tokens]) -> None:
    schema, tokens = fuzzed
    operations = [result.ok() for result in schema.get_all_operations()]
    fuzzable = [op for op in operations if not op.path.endswith("/events")]
    assert len(fuzzable) >= 20, [op.label for op in fuzzable]
    statuses: Counter[int] = Counter()
    succeeded: set[str] = set()
    failures: list[str] = []
    for operation in fuzzable:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case) -> None:
                response = case.call_and_validate(
                    headers=tokens.headers_for(case), excluded_checks=[positive_data_acceptance]
                )
                statuses[response.status_code] += 1
                if response.status_code < 300:
                    succeeded.add(case.operation.label)

            try:
                run()
            except Unsatisfiable:
                # No invalid input exists for this operation (no parameters, or only free-form strings).
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, ExceptionGroup) as exc:  # collect it, go on with the other operations
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    print(
        f"schemathesis: {statuses.total()} cases over {len(fuzzable)} operations, statuses {sorted(statuses.items())}"
    )
    assert not failures, "\n\n".join(failures)
    # Deep enough to mean something: most operations were also answered with success, not only refused.
    assert len(succeeded) >= len(fuzzable) // 2 + 3, sorted({op.label for op in fuzzable} - succeeded)
