"""Customer memory: consented, redacted, erasable episodes and facts, shared by every agent.

Chroma is imported lazily (only when a store opens), so importing relevo stays light.
"""

from relevo.memory._memory import CustomerMemory, CustomerRows, EmbedTexts, inbox_scope
from relevo.memory._records import Episode, ForgetReceipt, MemoryHit, MemoryKind, MemoryRecord, record_id
from relevo.memory._redact import PiiKind, Redaction, find_pii, redact_pii
from relevo.memory._registry import CustomerRegistry
from relevo.memory._store import ChromaMemoryStore, MemoryStore, customer_key

__all__ = [
    "ChromaMemoryStore",
    "CustomerMemory",
    "CustomerRegistry",
    "CustomerRows",
    "EmbedTexts",
    "Episode",
    "ForgetReceipt",
    "MemoryHit",
    "MemoryKind",
    "MemoryRecord",
    "MemoryStore",
    "PiiKind",
    "Redaction",
    "customer_key",
    "find_pii",
    "inbox_scope",
    "record_id",
    "redact_pii",
]
