"""``relevo bench desk-load``: how long loading a desk takes on a warm embedding cache.

A load is what every command and ``relevo serve`` do before the first message: read the desk folder
(``desk.toml``, ``intents.yaml``, ``kb/``), validate it, and build the run context (classifier fitted on the
catalog, knowledge-base passages indexed). Each timed load runs in a new Python process, as a command's would,
after relevo is imported and the embedding model opened (both reported apart): nothing an earlier load kept in
memory helps it, only the embedding cache file, which the warm-up load filled.

The baseline, timed in the same processes, is the bare cache read of the very texts the load embeds (recorded
during the warm-up): no load can be faster than fetching its vectors, so ``load_ratio`` says how much the rest
(parsing, validation, fitting, indexing) costs on top of it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import relevo
from relevo._config import RelevoConfig
from relevo._errors import BadInputError
from relevo.bench._desk_content import BENCH_LANGUAGES, write_bench_desk
from relevo.desks import desk_definition
from relevo.models.offline import E5Embedder, EmbedKind, Vector
from relevo.orchestrator import embedding_cache_path

__all__ = ["bench_desk_load"]


class _RecordingEmbedder:
    """An embedder that remembers what it was asked to embed (to replay it as the baseline)."""

    def __init__(self, inner: E5Embedder) -> None:
        self.inner = inner
        self.calls: list[dict[str, Any]] = []

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: Sequence[str], kind: EmbedKind = "query", *, persist: bool = False) -> Vector:
        self.calls.append({"texts": list(texts), "kind": kind, "persist": persist})
        return self.inner.embed(texts, kind, persist=persist)


def time_one_load(folder: str, calls_file: str, cache: str, config_file: str) -> None:
    """One timed round in a fresh process: open the embedder, read the recorded vectors from the cache
    (baseline), then load the desk on another fresh embedder; print the seconds as JSON."""
    from relevo._config import RelevoConfig

    config = RelevoConfig.model_validate_json(Path(config_file).read_text(encoding="utf-8"))
    calls = json.loads(Path(calls_file).read_text(encoding="utf-8"))
    start = time.perf_counter()
    reader = E5Embedder(Path(cache))
    opened = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    for call in calls:
        reader.embed(call["texts"], call["kind"], persist=call["persist"])
    read, read_cpu = time.perf_counter() - start, time.process_time() - cpu
    reader.close()
    embedder = E5Embedder(Path(cache))
    start, cpu = time.perf_counter(), time.process_time()
    desk_definition(folder).builder(config).with_embedder(embedder).context()
    load, load_cpu = time.perf_counter() - start, time.process_time() - cpu
    embedder.close()
    print(
        json.dumps(
            {
                "open_s": opened,
                "cache_read_s": read,
                "cache_read_cpu_s": read_cpu,
                "load_s": load,
                "load_cpu_s": load_cpu,
            }
        )
    )


def _round(folder: Path, calls_file: Path, cache: Path, config_file: Path) -> dict[str, float]:
    package_root = str(Path(relevo.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    code = "import sys; from relevo.bench._desk_load import time_one_load; time_one_load(*sys.argv[1:])"
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder), str(calls_file), str(cache), str(config_file)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"a timed load failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_desk_load(
    config: RelevoConfig,
    *,
    intents: int = 20,
    examples: int = 10,
    articles: int = 50,
    languages: Sequence[str] = BENCH_LANGUAGES,
    loads: int = 5,
    cache: Path | None = None,
    progress: TextIO | None = None,
) -> dict[str, Any]:
    """Generate a desk in a temporary folder, load it once to warm the cache, then time ``loads`` loads, each
    in a new process beside the baseline cache read.

    Args:
        intents: intents in the generated catalog (1..20, neutral subjects: a town's services).
        examples: examples per intent and language.
        articles: knowledge-base files, spread over ``languages``.
        loads: timed loads.
        cache: the embedding cache file (default: the one every command uses, ``RELEVO_CACHE_DIR``); the
            generated texts are the same every run, so only a first run embeds them.

    Returns:
        ``load_s_p50``/``load_s_max``, ``cache_read_s_p50`` (the baseline), ``load_ratio`` (load p50 / cache read
        p50), the same as process CPU seconds (``load_cpu_s_p50``, ``cache_read_cpu_s_p50``: what the work costs
        when other jobs share the cores), ``embedder_open_s_p50`` (opening the model, before either),
        ``warmup_s``, the desk's size and the machine's 1-minute load average when it finished.

    Raises:
        BadInputError: a count out of range or an unknown language.
    """
    if loads < 1:
        raise BadInputError("loads must be at least 1")
    cache = cache or embedding_cache_path()

    def say(text: str) -> None:
        if progress is not None:
            progress.write(text)
            progress.flush()

    with tempfile.TemporaryDirectory(prefix="relevo-bench-desk-") as tmp:
        root = Path(tmp)
        folder = root / "desk"
        size = write_bench_desk(folder, intents=intents, examples=examples, articles=articles, languages=languages)
        say(
            f"bench desk-load: {size['intents']} intents, {size['examples']} examples, {size['articles']} articles "
            f"in {', '.join(languages)}\nbench desk-load: warm-up load (embeds what the cache lacks)..."
        )
        recorder = _RecordingEmbedder(E5Embedder(cache))
        start = time.perf_counter()
        try:
            desk_definition(folder).builder(config).with_embedder(recorder).context()
        finally:
            recorder.inner.close()
        warmup = time.perf_counter() - start
        say(f" {warmup:.1f} s\n")
        calls_file, config_file = root / "calls.json", root / "config.json"
        calls_file.write_text(json.dumps(recorder.calls), encoding="utf-8")
        config_file.write_text(config.model_dump_json(), encoding="utf-8")

        rounds: list[dict[str, float]] = []
        for n in range(loads):
            rounds.append(_round(folder, calls_file, cache, config_file))
            say(
                f"\rbench desk-load: {n + 1}/{loads} loads in new processes "
                f"(last {rounds[-1]['load_s']:.2f} s, cache read {rounds[-1]['cache_read_s']:.2f} s)"
            )
        say("\n")

    load_s = [r["load_s"] for r in rounds]
    load_p50 = statistics.median(load_s)
    read_p50 = statistics.median(r["cache_read_s"] for r in rounds)
    return {
        "intents": size["intents"],
        "examples": size["examples"],
        "articles": size["articles"],
        "languages": list(languages),
        "texts_embedded": sum(len(call["texts"]) for call in recorder.calls),
        "loads": loads,
        "warmup_s": round(warmup, 2),
        "load_s_p50": round(load_p50, 3),
        "load_s_max": round(max(load_s), 3),
        "cache_read_s_p50": round(read_p50, 3),
        "load_ratio": round(load_p50 / read_p50, 2) if read_p50 > 0 else None,
        "load_cpu_s_p50": round(statistics.median(r["load_cpu_s"] for r in rounds), 3),
        "cache_read_cpu_s_p50": round(statistics.median(r["cache_read_cpu_s"] for r in rounds), 3),
        "embedder_open_s_p50": round(statistics.median(r["open_s"] for r in rounds), 3),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
