"""Reading a desk's files with errors that name the file, the line and the field."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from relevo._errors import ConfigurationError
from relevo._yaml_lines import yaml_line
from relevo.contracts import Article, IntentCatalog

__all__ = ["DeskFileError", "load_articles", "load_intent_catalog", "read_toml", "read_yaml", "validate"]

_ModelT = TypeVar("_ModelT", bound=BaseModel)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<meta>.*?)\n---[ \t]*\n(?P<body>.*)\Z", re.DOTALL)
_ARTICLE_NAME = re.compile(r"\A(?P<slug>[a-z0-9][a-z0-9_-]*)\.(?P<lang>[a-z]{2})\.md\Z")
_TOML_LINE = re.compile(r"at line (\d+), column (\d+)")
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DeskFileError(ConfigurationError):
    """A desk file is malformed; the message reads ``<file>: line <n>: <field>: <problem>``."""

    def __init__(self, path: Path | str, problems: Sequence[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = str(path)
        self.problems = list(problems)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DeskFileError(path, ["file not found"]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DeskFileError(path, [f"cannot read it ({exc})"]) from exc


# -- TOML ------------------------------------------------------------------------------------------------------
def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """``(data, text)`` of a TOML file.

    Raises:
        DeskFileError: missing, unreadable or not valid TOML (with the line).
    """
    text = _read_text(path)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        where = f"line {found[1]}: " if found else ""
        message = _TOML_LINE.sub("", str(exc)).strip(" ()")
        raise DeskFileError(path, [f"{where}not valid TOML ({message})"]) from exc


def _toml_line(text: str, loc: Sequence[int | str]) -> int:
    """The line of the key at ``loc`` in TOML ``text``: the key's own line, else its table's header, else 1."""
    wanted = list(loc)
    table: list[int | str] = []
    counts: dict[str, int] = {}
    best = 1
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        header = re.match(r"(\[\[?)\s*([^\]]+?)\s*\]", line)
        if header:
            parts: list[int | str] = [part.strip().strip('"') for part in header[2].split(".")]
            if header[1] == "[[":
                dotted = header[2].strip()
                counts[dotted] = counts.get(dotted, -1) + 1
                parts.append(counts[dotted])
            table = parts
            if wanted[: len(table)] == table:
                best = n
            continue
        key = re.match(r"\"?([A-Za-z0-9_\-]+)\"?\s*=", line)
        if key and wanted[: len(table) + 1] == [*table, key[1]]:
            return n
    return best


# -- YAML ------------------------------------------------------------------------------------------------------
def read_yaml(path: Path, *, text: str | None = None, line_offset: int = 0) -> tuple[Any, yaml.Node | None]:
    """``(data, node)`` of a YAML file (or of ``text`` found in it ``line_offset`` lines down).

    Raises:
        DeskFileError: missing, unreadable or not valid YAML (with the line).
    """
    text = _read_text(path) if text is None else text
    # One pass gives both the nodes (their lines, for error messages) and the data; libyaml's parser when
    # PyYAML has it (a desk's intents.yaml parses ten times faster than in pure Python).
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1 + line_offset}: " if mark is not None else ""
        raise DeskFileError(path, [f"{where}not valid YAML ({getattr(exc, 'problem', None) or exc})"]) from exc
    finally:
        loader.dispose()


# -- validation ------------------------------------------------------------------------------------------------
def validate(
    model: type[_ModelT],
    raw: Any,
    path: Path,
    *,
    yaml_node: yaml.Node | None = None,
    toml_text: str | None = None,
    line_offset: int = 0,
) -> _ModelT:
    """``model`` validated from ``raw``; errors name the line (from the YAML node or TOML text) and the field.

    Raises:
        DeskFileError: every problem (up to eight) as ``line N: field: message``.
    """
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems: list[str] = []
        for err in exc.errors(include_url=False)[:8]:
            loc = list(err["loc"])
            in_yaml = toml_text is None
            line = yaml_line(yaml_node, loc) + line_offset if in_yaml else _toml_line(toml_text or "", loc)
            field = ".".join(str(p) for p in loc) or "(top level)"
            problems.append(f"line {line}: {field}: {err['msg']}")
        if exc.error_count() > 8:
            problems.append(f"and {exc.error_count() - 8} more")
        raise DeskFileError(path, problems) from exc


# -- intents and articles ----------------------------------------------------------------------------------------
def load_intent_catalog(path: Path) -> IntentCatalog:
    """The intents of ``intents.yaml`` (without the built-ins; see ``IntentCatalog.with_builtins``).

    Raises:
        DeskFileError: the file is missing or malformed, or repeats an intent name (file, line, field named).
    """
    data, node = read_yaml(path)
    catalog = validate(IntentCatalog, data, path, yaml_node=node)
    seen: set[str] = set()
    for n, intent in enumerate(catalog.intents):
        if intent.name in seen:
            line = yaml_line(node, ["intents", n, "name"])
            raise DeskFileError(path, [f"line {line}: intents.{n}.name: intent {intent.name!r} is defined twice"])
        seen.add(intent.name)
    return catalog


def load_articles(directory: Path) -> list[Article]:
    """Every ``<slug>.<lang>.md`` article of ``directory`` (front matter: id, title, topic, language).

    Raises:
        DeskFileError: a file name or front matter is malformed (file, line, field), the front matter's language
            differs from the file name's, or two files share an id and language.
    """
    if not directory.is_dir():
        raise DeskFileError(directory, ["knowledge-base folder not found"])
    articles: list[Article] = []
    seen: dict[tuple[str, str], Path] = {}
    for path in sorted(directory.glob("*.md")):
        article = _read_article(path)
        key = (article.id, article.language)
        if key in seen:
            raise DeskFileError(path, [f"line 2: id: article {article.id} ({article.language}) is also {seen[key]}"])
        seen[key] = path
        articles.append(article)
    return articles


def _read_article(path: Path) -> Article:
    name = _ARTICLE_NAME.match(path.name)
    if name is None:
        raise DeskFileError(path, ["article files are named <slug>.<lang>.md, e.g. roaming.en.md"])
    text = _read_text(path)
    parts = _FRONT_MATTER.match(text)
    if parts is None:
        raise DeskFileError(path, ["line 1: missing front matter (YAML between two '---' lines at the top)"])
    meta, node = read_yaml(path, text=parts["meta"], line_offset=1)
    if not isinstance(meta, dict):
        raise DeskFileError(path, ["line 2: front matter must be a mapping of id, title, topic and language"])
    article = validate(Article, {**meta, "body": parts["body"].strip()}, path, yaml_node=node, line_offset=1)
    if article.language != name["lang"]:
        line = yaml_line(node, ["language"]) + 1
        raise DeskFileError(
            path, [f"line {line}: language: {article.language!r} but the file name says {name['lang']!r}"]
        )
    return article
