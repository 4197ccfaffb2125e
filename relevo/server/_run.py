"""``relevo serve``: open the runtime, print where everything is, run uvicorn."""

from __future__ import annotations

import gc
import logging
import sys
from typing import TYPE_CHECKING, TextIO

from relevo.server._settings import ServeSettings

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

__all__ = ["serve", "uvicorn_config"]


def uvicorn_config(app: FastAPI, settings: ServeSettings, *, log_level: str = "info") -> uvicorn.Config:
    """How ``relevo serve`` runs ``app`` under uvicorn.

    The HTTP/1.1 parser is h11 with its receive buffer capped at ``settings.max_header_bytes``: a request head
    (request line and headers) past the cap is answered 400 and the connection closed before more is read.
    httptools, uvicorn's faster default parser, buffers a head of any size (100 MB of headers held 240 MB and the
    event loop for seconds, then got a 200).
    """
    import uvicorn

    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        access_log=settings.access_log,
        log_level=log_level,
        timeout_graceful_shutdown=3,
        http="h11",
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )


def serve(settings: ServeSettings, *, out: TextIO = sys.stdout) -> int:
    """Run the server until interrupted; returns the exit code.

    Raises:
        ConfigurationError, StorageError: the configuration or a store is unusable.
    """
    import uvicorn

    from relevo.server._app import create_app
    from relevo.server._runtime import open_runtime

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    print("relevo serve: loading the support desk (the first start embeds the catalog, about a minute)", file=out)
    runtime = open_runtime(settings)
    base = f"http://{settings.host}:{settings.port}"
    if runtime.created_agents:
        names = ", ".join(f"{a.username} ({a.role})" for a in runtime.created_agents)
        if runtime.generated_password is not None:
            # Printed once, to the terminal only (never logged): the accounts file keeps only its scrypt hash.
            print(f"relevo serve: created console accounts {names}", file=out)
            print(f"  password: {runtime.generated_password}", file=out)
            print("  (shown once; RELEVO_DEMO_PASSWORD chooses it; manage accounts at /api/admin/agents)", file=out)
        else:
            print(f"relevo serve: created console accounts {names} with the password in RELEVO_DEMO_PASSWORD", file=out)
    mode = "postgres" if runtime.config.storage.database_url else f"sqlite in {runtime.data_dir}"
    print(f"relevo serve: web chat {base}/  console {base}/console  API {base}/docs  (storage: {mode})", file=out)
    missing = [capability for capability, needs in runtime.gateway.status().items() if needs]
    if missing:
        print(f"relevo serve: channels not configured: {', '.join(missing)} (see README: Serve)", file=out)
    out.flush()
    app = create_app(runtime=runtime)
    # The loaded desk (catalog, knowledge base, fitted classifier) is long-lived: move it out of the collector's
    # generations so full collections stop walking it (150-240 ms pauses in webhook acks otherwise).
    gc.collect()
    gc.freeze()
    try:
        uvicorn.Server(uvicorn_config(app, settings)).run()
    finally:
        runtime.close()
    return 0
