"""Time :class:`IntentClassifier` on the demo catalog: fitting (embeddings cached) and one-message prediction.

Usage::

    .venv/bin/python scripts/time_intent_classifier.py [--cache /tmp/relevo_b77/e5cache.sqlite]

Prints the best of several runs, embedding excluded (the message's vector is computed once beforehand).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from relevo.demo import load_intent_catalog
from relevo.models.offline import E5Embedder, IntentClassifier


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/relevo_b77/e5cache.sqlite"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    texts, labels = load_intent_catalog().training_pairs()
    embedder = E5Embedder(args.cache)
    embedder.embed(texts, "query", persist=True)
    message = "hola, quiero devolver los zapatos que compré la semana pasada"
    vector = embedder.embed([message], "query")

    fits: list[float] = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        classifier = IntentClassifier.fit(embedder, texts, labels)
        fits.append(time.perf_counter() - started)
    predictions: list[float] = []
    for _ in range(20 * args.repeat):
        started = time.perf_counter()
        classifier.predict_vectors(vector, texts=[message])
        predictions.append(time.perf_counter() - started)
    print(f"demo catalog: {len(texts)} examples, {len(set(labels))} labels, loo={classifier.training_accuracy_loo:.4f}")
    print(f"fit best {min(fits):.3f}s (median {sorted(fits)[len(fits) // 2]:.3f}s)")
    print(f"predict one message best {1e3 * min(predictions):.2f} ms (embedding excluded)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
