"""``relevo memory …`` and ``relevo bench memory``: customer memory from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from relevo._config import RelevoConfig

__all__ = ["bench_memory_command", "memory_command"]


def memory_command(config: RelevoConfig, *, action: str, customer: str, data_dir: Path | None, value: str) -> int:
    """Run one ``relevo memory`` action for ``customer`` (show, export, forget, consent), on the stores
    ``relevo serve`` uses with the same configuration (embedded files, or PostgreSQL and a Chroma server)."""
    from relevo.server._erasure import forget_customer, open_customer_data

    root = data_dir or config.storage.data_dir
    with open_customer_data(config, root, purpose=f"relevo memory {action}") as data:
        memory = data.memory
        if action == "show":
            print(memory.show(customer))
        elif action == "export":
            print(json.dumps(memory.export(customer), ensure_ascii=False, indent=2))
        elif action == "forget":
            receipt = forget_customer(data, customer)
            print(json.dumps(receipt.model_dump(mode="json"), indent=2))
        else:
            opted_in = value == "on"
            erased = memory.set_consent(customer, opted_in)
            state = "on" if opted_in else f"off ({erased} memories erased)"
            print(f"memory for {customer}: {state}")
    return 0


def bench_memory_command(sizes: str, *, as_json: bool) -> int:
    from relevo._errors import BadInputError
    from relevo.bench import bench_memory

    try:
        parsed = [int(s.replace("_", "")) for s in sizes.split(",") if s.strip()]
    except ValueError as exc:
        raise BadInputError(f"--sizes takes comma-separated record counts, e.g. 10000,100000 (got {sizes!r})") from exc
    if not parsed or min(parsed) < 20:
        raise BadInputError("--sizes needs record counts of at least 20")
    results = bench_memory(parsed, progress=sys.stderr)
    print(json.dumps(results, indent=None if as_json else 2))
    return 0
