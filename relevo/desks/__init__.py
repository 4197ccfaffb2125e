"""Desks are apps: load one from a folder (``desk.toml``, intents, kb, tools, customers, scenarios) or a
``package.module:function`` factory, and scaffold a new one with ``relevo init``."""

from relevo.desks._files import DeskFileError, load_articles, load_intent_catalog
from relevo.desks._loader import (
    DEFAULT_DESK,
    DeskDefinition,
    DeskWarning,
    UnknownDeskError,
    desk_definition,
    load_desk,
    resolve_desk_reference,
)
from relevo.desks._scaffold import init_desk
from relevo.desks._schema import AgentSpec, CustomerSource, DeskFile, DeskSection, PythonSection, QueueSpec

__all__ = [
    "DEFAULT_DESK",
    "AgentSpec",
    "CustomerSource",
    "DeskDefinition",
    "DeskFile",
    "DeskFileError",
    "DeskSection",
    "DeskWarning",
    "PythonSection",
    "QueueSpec",
    "UnknownDeskError",
    "desk_definition",
    "init_desk",
    "load_articles",
    "load_desk",
    "load_intent_catalog",
    "resolve_desk_reference",
]
