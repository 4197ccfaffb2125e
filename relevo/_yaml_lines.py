"""Where a value sits in a YAML file: the line a pydantic error's location points at, for error messages."""

from __future__ import annotations

from collections.abc import Sequence

import yaml

__all__ = ["yaml_line"]


def yaml_line(node: yaml.Node | None, loc: Sequence[int | str]) -> int:
    """The 1-based line of the YAML node at ``loc`` (or of its deepest existing parent)."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    current: yaml.Node = node
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:  # pyright: ignore[reportUnknownVariableType]
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    line = key.start_mark.line + 1
                    child = value
                    break
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int) and part < len(current.value):
            item: yaml.Node = current.value[part]
            line = item.start_mark.line + 1
            child = item
        if child is None:
            break
        current = child
    return line
