"""The offline engine: embedded, deterministic, no network."""
