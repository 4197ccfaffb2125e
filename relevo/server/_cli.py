"""The ``relevo serve`` command line: flags over ``RELEVO_*`` settings."""

from __future__ import annotations

import argparse
from typing import Any

from pydantic import ValidationError

from relevo._errors import BadInputError
from relevo.server._run import serve
from relevo.server._settings import ServeSettings

__all__ = ["serve_command"]


def serve_command(args: argparse.Namespace) -> int:
    """Run ``relevo serve`` with the parsed flags (a flag beats its environment variable).

    Raises:
        BadInputError: a flag has a bad value.
    """
    flags: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "data_dir": args.data_dir,
        "workers": args.workers,
        "config": getattr(args, "config", None),
        "desk": definition.reference if (definition := getattr(args, "desk_definition", None)) else None,
    }
    try:
        settings = ServeSettings(**{k: v for k, v in flags.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False))
        raise BadInputError(f"relevo serve: {problems}") from exc
    return serve(settings)
