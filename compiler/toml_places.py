"""Where a key's value is in a TOML file, for diagnostics about the configuration.

`tomllib` gives values, not places. This reads the text line by line as TOML lays it
out: table headers (`[tool.mission.schedules.daily]`), `key = value` lines with dotted
and quoted keys, and the keys of inline tables on one line (`params = { today = "x" }`),
and maps each key's path to the span of its value (a string with its quotes). It is a
finder of places, never a parser: a value spread over several lines is found by its
first line, and any text, valid TOML or not, gives places or none, never an error.
"""

from __future__ import annotations

import re

from compiler.ast import Span

_HEADER = re.compile(r"\s*\[\[?\s*([^\]]*?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r'\s*((?:[A-Za-z0-9_-]+|"[^"\n]*"|\'[^\'\n]*\')'
                  r'(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"\n]*"|\'[^\'\n]*\'))*)\s*=\s*')
_PART = re.compile(r'[A-Za-z0-9_-]+|"[^"\n]*"|\'[^\'\n]*\'')

Path = tuple[str, ...]


def dotted(text: str) -> Path:
    """The parts of a dotted key, unquoted: `tool."mission".x` is ("tool", "mission", "x")."""
    return tuple(part.strip("\"'") for part in _PART.findall(text))


def places(text: str) -> tuple[dict[Path, Span], dict[Path, Span]]:
    """(the span of each key's value, the span of each table's header), by path."""
    values: dict[Path, Span] = {}
    headers: dict[Path, Span] = {}
    table: Path = ()
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        header = _HEADER.match(body)
        if header is not None and body.lstrip().startswith("["):
            table = dotted(header.group(1))
            start = offset + len(body) - len(body.lstrip())
            headers.setdefault(table, Span(start, offset + len(body.rstrip())))
        else:
            _key_line(body, offset, table, values)
        offset += len(line)
    return values, headers


def _key_line(body: str, offset: int, table: Path, values: dict[Path, Span]) -> None:
    key = _KEY.match(body)
    if key is None:
        return
    path = (*table, *dotted(key.group(1)))
    start = key.end()
    values.setdefault(path, Span(offset + start, offset + start + _value_length(body, start)))
    if body[start:start + 1] == "{":
        _inline(body, start + 1, offset, path, values)


def _inline(body: str, position: int, offset: int, path: Path,
            values: dict[Path, Span]) -> int:
    """The keys of an inline table starting at `position`; where it ends."""
    while position < len(body):
        key = _KEY.match(body, position)
        if key is None:
            closing = body.find("}", position)
            return len(body) if closing == -1 else closing + 1
        inner = (*path, *dotted(key.group(1)))
        start = key.end()
        length = _value_length(body, start)
        values.setdefault(inner, Span(offset + start, offset + start + length))
        position = _inline(body, start + 1, offset, inner, values) \
            if body[start:start + 1] == "{" else start + length
        while position < len(body) and body[position] in " \t,":
            position += 1
        if body[position:position + 1] == "}":
            return position + 1
    return position


def _value_length(body: str, start: int) -> int:
    """How long the value at `start` is: a string to its closing quote, a table or array
    to its closing bracket on this line, else to a comment or the line's end."""
    opening = body[start:start + 1]
    if opening in ("\"", "'"):
        position = start + 1
        while position < len(body):
            if opening == "\"" and body[position] == "\\":
                position += 2
                continue
            if body[position] == opening:
                return position + 1 - start
            position += 1
        return len(body) - start
    if opening in ("{", "["):
        depth = 0
        for position in range(start, len(body)):
            if body[position] in "{[":
                depth += 1
            elif body[position] in "}]":
                depth -= 1
                if depth == 0:
                    return position + 1 - start
        return len(body) - start
    end = body.find("#", start)
    return len((body if end == -1 else body[:end])[start:].rstrip())
