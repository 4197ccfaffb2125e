"""Stress ``detect_human_request`` with noisy copies of the Bitext *training* split.

Usage::

    .venv/bin/python scripts/stress_human_request.py                  # 5 noisy copies per utterance
    .venv/bin/python scripts/stress_human_request.py --copies 10 --seed 1 --show 40

The explicit-request set (``bitext_escalation/``) is built from Bitext dev+test; the training split is
separate, so it is where the lexicon may be developed. Clean training text is too easy (the lexicon knows
its phrasings), so each utterance is also rewritten the ways customers mistype: a letter dropped, doubled,
swapped or hit on a neighbouring key (short words too: "to" → "t", "ot"), two words run together, an
expletive after a determiner ("a bloody person", sometimes run together: "a bloodyperson"). Positives are
``contact_human_agent``; every other intent is a negative, ``contact_customer_service`` ("what is your
customer service number") the hard one. Errors are printed for this training-derived set only.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import Counter
from pathlib import Path

from relevo.models.offline import detect_human_request, detect_language

_DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "evaldata" / "bitext_customer_support" / "train.csv"
_NEIGHBOURS = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc", "g": "ftyhbv",
    "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop", "m": "njk", "n": "bhjm",
    "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz", "t": "rfgy", "u": "yhji",
    "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}  # fmt: skip
_EXPLETIVES = ("bloody", "fucking", "damn", "goddamn", "freaking")
_DETERMINERS = frozenset({"a", "an", "the", "my", "this", "that", "some", "your", "any"})


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 2 or not word.isalpha():
        return word
    i = rng.randrange(len(word))
    kind = rng.choice(("drop", "double", "swap", "key"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    near = _NEIGHBOURS.get(word[i].lower())
    return word[:i] + rng.choice(near) + word[i + 1 :] if near else word


def noisy(text: str, rng: random.Random) -> str:
    """``text`` with one or two customer-style slips, the kinds Bitext tags Z (typos) and W (expletives)."""
    words = text.split()
    for _ in range(rng.choice((1, 1, 2))):
        if len(words) < 2:
            break
        kind = rng.choice(("typo", "typo", "glue", "expletive"))
        i = rng.randrange(len(words))
        if kind == "typo":
            words[i] = _typo(words[i], rng)
        elif kind == "glue" and i < len(words) - 1:
            words[i : i + 2] = [words[i] + words[i + 1]]
        elif kind == "expletive":
            # After a determiner, as Bitext writes them ("a bloody product", "my damn address"), sometimes
            # run into a neighbour ("thisgoddamn item", "a bloodyperson").
            slots = [j for j, w in enumerate(words[:-1]) if w.lower() in _DETERMINERS]
            if slots:
                j = rng.choice(slots)
                word, glue = rng.choice(_EXPLETIVES), rng.choice(("", "", "left", "right"))
                if glue == "left":
                    words[j] += word
                elif glue == "right":
                    words[j + 1] = word + words[j + 1]
                else:
                    words.insert(j + 1, word)
    return " ".join(words)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=_DEFAULT_DATA)
    parser.add_argument("--copies", type=int, default=5, help="noisy copies per utterance")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=30, help="errors to print per kind")
    args = parser.parse_args(argv)

    with args.data.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rng = random.Random(args.seed)
    counts: Counter[str] = Counter()
    errors: dict[str, list[str]] = {"FN": [], "FP": []}
    for row in rows:
        positive = row["intent"] == "contact_human_agent"
        hard = row["intent"] == "contact_customer_service"
        copies = [noisy(row["utterance"], rng) for _ in range(args.copies if positive or hard else 1)]
        for text in [row["utterance"], *copies]:
            found = detect_human_request(text, detect_language(text).language) is not None
            group = "pos" if positive else ("hard" if hard else "neg")
            counts[f"{group}_{'hit' if found else 'miss'}"] += 1
            if positive and not found:
                errors["FN"].append(text)
            elif found and not positive:
                errors["FP"].append(f"[{row['intent']}] {text}")
    pos = counts["pos_hit"] + counts["pos_miss"]
    flagged = counts["pos_hit"] + counts["hard_hit"] + counts["neg_hit"]
    print(f"positives {pos}: recall {counts['pos_hit'] / pos:.4f}")
    print(f"precision {counts['pos_hit'] / max(1, flagged):.4f}")
    print(f"hard negatives flagged {counts['hard_hit']}/{counts['hard_hit'] + counts['hard_miss']}")
    print(f"other negatives flagged {counts['neg_hit']}/{counts['neg_hit'] + counts['neg_miss']}")
    for kind, texts in errors.items():
        for text in texts[: args.show]:
            print(f"{kind} {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
