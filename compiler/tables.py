"""Parse tables for the fast path: exported from Lark once, cached as JSON.

`export_tables` builds the grammar's LALR parser with Lark (the only place
here that imports `lark`) and writes down everything the fast driver needs to
behave exactly like it: the action/goto table, what each rule's reduction
passes to the AST builder (Lark's `?rule` inlining, `-> alias` names, `[..]`
placeholders, anonymous tokens filtered out, `_rule`s spliced into their
parent), and per parser state the contextual lexer's terminals in Lark's order.

`load_tables` reads them back from the private per-user cache directory
(`grammar.cache_directory()`), and trusts a file only when it is ours, private,
intact (a sha256 of the payload in the header line), of this format and made
from this very grammar text; anything else is rebuilt with Lark.

Why a cache: every process that parses a file needs the tables, and exporting
them means importing Lark and building its LALR parser. A cold
`mission check --no-cache daily_loop.mission` took 127 ms of CPU with the
tables cached and 600 ms without any cache (325 ms with Lark's parser cached
but not these tables), against 131 ms for `yamllint` on the same content
(2026-12-06; docs/performance.md, "Scenario 2"). So the first check after an
install or a grammar change pays once, and every later one is 4.7 times
cheaper; bench row 2e shows it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import grammar

__all__ = ["FORMAT", "UnsupportedGrammar", "cache_file", "export_tables", "load_tables"]

# Bump when the layout of the exported tables or their meaning changes.
FORMAT = 1
_MAX_STATES = 1 << 20


class UnsupportedGrammar(Exception):
    """The grammar uses a Lark feature the fast driver does not reproduce."""


def cache_file() -> Path:
    key = hashlib.sha256(f"{FORMAT}\0{grammar.GRAMMAR_TEXT}".encode()).hexdigest()[:20]
    return grammar.cache_directory() / f"fastparse-{key}.json"


# -- export (needs lark) ------------------------------------------------------


def export_tables() -> dict[str, Any]:
    """The tables of the grammar's Lark parser, as plain JSON-able data."""
    parser = grammar.build_parser()
    import lark

    options = parser.options
    if (options.parser != "lalr" or options.lexer != "contextual" or not options.maybe_placeholders
            or options.propagate_positions or options.postlex is not None
            or options.g_regex_flags or options.regex):
        raise UnsupportedGrammar("the parser is not built the way the fast path expects")
    table = parser.parser.parser.parser.parse_table
    rule_index = {rule: index for index, rule in enumerate(parser.rules)}
    state_count = len(table.states)
    if sorted(table.states) != list(range(state_count)):
        raise UnsupportedGrammar("parser states are not numbered 0..n-1")

    actions: list[dict[str, int]] = []
    for state in range(state_count):
        row: dict[str, int] = {}
        for symbol, (action, argument) in table.states[state].items():
            if action.name == "Shift":
                row[symbol] = int(argument)
            else:
                row[symbol] = ~rule_index[argument]
        actions.append(row)

    rules = [_export_rule(rule) for rule in parser.rules]
    kept = {symbol.name for rule in parser.rules for symbol in rule.expansion
            if symbol.is_term and (rule.options.keep_all_tokens
                                   or not getattr(symbol, "filter_out", False))}
    terminals = {terminal.name for terminal in parser.terminals}

    lexers: list[dict[str, Any]] = []
    lexer_ids: dict[int, int] = {}
    lexer_of_state: list[int] = []
    for state in range(state_count):
        basic = parser.parser.lexer.lexers[state]
        if id(basic) not in lexer_ids:
            lexer_ids[id(basic)] = len(lexers)
            lexers.append(_export_lexer(basic))
        lexer_of_state.append(lexer_ids[id(basic)])

    return {
        "format": FORMAT,
        "grammar": grammar.GRAMMAR_TEXT,
        "lark": lark.__version__,
        "start": table.start_states["start"],
        "end": table.end_states["start"],
        "actions": actions,
        "rules": rules,
        "lexers": lexers,
        "lexer_of_state": lexer_of_state,
        "dropped": sorted(terminals - kept),
    }


def _export_rule(rule: Any) -> dict[str, Any]:
    """What Lark's parse-tree builder does on reducing `rule`, as data.

    Mirrors `lark.parse_tree_builder.maybe_create_child_filter` (LALR, with
    placeholders) and `ExpandSingleChild`.
    """
    options = rule.options
    expansion = rule.expansion
    empty = list(options.empty_indices)
    if empty:
        marks = "".join(str(int(flag)) for flag in empty)
        nones = [len(ones) for ones in marks.split("0")]
    else:
        nones = [0] * (len(expansion) + 1)
    include: list[list[int]] = []
    pending = 0
    for index, symbol in enumerate(expansion):
        pending += nones[index]
        if options.keep_all_tokens or not (symbol.is_term and getattr(symbol, "filter_out", False)):
            splice = not symbol.is_term and symbol.name.startswith("_")
            include.append([index, int(splice), pending])
            pending = 0
    pending += nones[len(expansion)]
    identity = not empty and len(include) == len(expansion) and not any(s for _, s, _ in include)
    helper = rule.origin.name.startswith("_")
    expand1 = bool(options.expand1) and not rule.alias
    if helper and expand1:
        raise UnsupportedGrammar(f"inlined helper rule {rule.origin.name} with `?`")
    if helper and (rule.alias or options.template_source):
        raise UnsupportedGrammar(f"helper rule {rule.origin.name} has an alias")
    return {
        "origin": rule.origin.name,
        "size": len(expansion),
        "callback": None if helper else (rule.alias or options.template_source
                                         or rule.origin.name),
        "expand1": expand1,
        "include": None if identity else include,
        "append_none": pending,
    }


def _export_lexer(basic: Any) -> dict[str, Any]:
    """One state's lexer: Lark's scanner terminals in order, and its keyword re-typing."""
    scanner = basic.scanner  # builds Lark's scanner: the order and the embedded keywords
    retype: dict[str, dict[str, str]] = {}
    for name, callback in basic.callback.items():
        unless = getattr(callback, "scanner", None)
        if unless is None:
            raise UnsupportedGrammar(f"terminal {name} has a lexer callback")
        mapping: dict[str, str] = {}
        for keyword in unless.terminals:
            if keyword.pattern.type != "str" or keyword.pattern.flags:
                raise UnsupportedGrammar(f"keyword {keyword.name} is not a plain string")
            mapping[keyword.pattern.value] = keyword.name
        retype[name] = mapping
    ordered = [(terminal.name, terminal.pattern.to_regexp()) for terminal in scanner.terminals]
    ignore = set(basic.ignore_types)
    skip = _skippable(ordered, ignore)
    terminals = [[name, pattern] for name, pattern in ordered if name != skip]
    return {
        "terminals": terminals,
        "ignore": sorted(ignore),
        "skip": dict(ordered)[skip] if skip else None,
        "retype": retype,
    }


def _skippable(ordered: list[tuple[str, str]], ignore: set[str]) -> str | None:
    """An ignored terminal that may be skipped before every token: one no terminal
    listed before it can start with any of its first characters (so Lark would
    always pick it where it matches). Whitespace, in practice."""
    for position, (name, pattern) in enumerate(ordered):
        if name not in ignore or name == "COMMENT":
            continue
        firsts = _single_class_repeat(pattern)
        if firsts is None:
            continue
        if not any(_may_start_with(earlier, char)
                   for _, earlier in ordered[:position] for char in firsts):
            return name
    return None


def _single_class_repeat(pattern: str) -> str | None:
    """The characters of a `[...]+` pattern made of literal characters, else None."""
    from re import _parser

    nodes = _parser.parse(pattern).data
    if len(nodes) != 1 or str(nodes[0][0]) != "MAX_REPEAT":
        return None
    low, _high, body = nodes[0][1]
    if low != 1 or len(body.data) != 1 or str(body.data[0][0]) != "IN":
        return None
    chars = []
    for opcode, value in body.data[0][1]:
        if str(opcode) != "LITERAL":
            return None
        chars.append(chr(value))
    return "".join(chars)


_CATEGORIES = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
               "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}


def _may_start_with(pattern: str, char: str) -> bool:
    """Whether some string starting with `char` could match `pattern` (True when unsure)."""
    from re import _parser

    parsed = _parser.parse(pattern)
    if parsed.state.flags & ~(re.UNICODE | re.ASCII):
        return True
    return _sequence_start(parsed.data, ord(char))[0]


def _sequence_start(nodes: Any, code: int) -> tuple[bool, bool]:
    """(may start with the character, may match empty) for a sequence of regex nodes."""
    may = False
    for node in nodes:
        node_may, nullable = _node_start(node, code)
        may = may or node_may
        if not nullable:
            return may, False
    return may, True


def _node_start(node: Any, code: int) -> tuple[bool, bool]:
    opcode, value = str(node[0]), node[1]
    if opcode == "LITERAL":
        return value == code, False
    if opcode == "NOT_LITERAL":
        return value != code, False
    if opcode == "IN":
        return _in_class(value, code), False
    if opcode in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _high, body = value
        may, nullable = _sequence_start(body.data, code)
        return may, nullable or low == 0
    if opcode == "SUBPATTERN":
        _group, add_flags, del_flags, body = value
        if add_flags or del_flags:
            return True, True
        return _sequence_start(body.data, code)
    if opcode == "ATOMIC_GROUP":
        return _sequence_start(value.data, code)
    if opcode == "BRANCH":
        results = [_sequence_start(alternative.data, code) for alternative in value[1]]
        return any(may for may, _ in results), any(nullable for _, nullable in results)
    if opcode in ("AT", "ASSERT", "ASSERT_NOT"):
        return False, True
    return True, True  # ANY, group references, anything unusual: assume the worst


def _in_class(items: Any, code: int) -> bool:
    negate = False
    hit = False
    for opcode_object, value in items:
        opcode = str(opcode_object)
        if opcode == "NEGATE":
            negate = True
        elif opcode == "LITERAL":
            hit = hit or value == code
        elif opcode == "RANGE":
            hit = hit or value[0] <= code <= value[1]
        elif opcode == "CATEGORY" and str(value) in _CATEGORIES:
            hit = hit or re.match(_CATEGORIES[str(value)], chr(code)) is not None
        else:
            return True
    return hit != negate


# -- the JSON cache ---------------------------------------------------------------


def save_tables(tables: dict[str, Any], path: Path) -> None:
    """Write atomically, sealed with the payload's sha256 (`grammar.write_sealed`)."""
    payload = json.dumps(tables, sort_keys=True, separators=(",", ":")).encode("utf-8")
    grammar.write_sealed(path, payload, FORMAT, ".fastparse-")


def read_tables(path: Path) -> dict[str, Any] | None:
    """The tables in `path` if the file is trusted, intact and made from this grammar."""
    tables = grammar.read_sealed_map(path, FORMAT)
    if tables is None or tables.get("format") != FORMAT:
        return None
    if tables.get("grammar") != grammar.GRAMMAR_TEXT or tables.get("lark") != installed_lark():
        return None
    return tables if well_formed(tables) else None


def installed_lark() -> str | None:
    """The version of the installed `lark`, read from its source without importing it
    (importing costs ~50 ms): tables made by another Lark are rebuilt."""
    from importlib.util import find_spec

    try:
        spec = find_spec("lark")
        if spec is None or spec.origin is None:
            return None
        with open(spec.origin, encoding="utf-8") as source:
            found = re.search(r"^__version__\s*(?::\s*str\s*)?=\s*['\"]([^'\"]+)['\"]",
                              source.read(), re.MULTILINE)
    except (OSError, ValueError, ImportError):
        return None
    return found.group(1) if found else None


def well_formed(tables: dict[str, Any]) -> bool:
    """The shapes the driver relies on, so a bad table can only be refused, never crash it."""
    try:
        actions, rules, lexers = tables["actions"], tables["rules"], tables["lexers"]
        lexer_of_state = tables["lexer_of_state"]
        states, rule_count = len(actions), len(rules)
        if not (0 < states < _MAX_STATES and len(lexer_of_state) == states):
            return False
        if not all(isinstance(i, int) and 0 <= i < len(lexers) for i in lexer_of_state):
            return False
        for key in ("start", "end"):
            if not isinstance(tables[key], int) or not 0 <= tables[key] < states:
                return False
        for row in actions:
            for symbol, code in row.items():
                if not (isinstance(symbol, str) and isinstance(code, int)
                        and -rule_count <= code < states):
                    return False
        return (all(_rule_ok(rule) for rule in rules)
                and all(_lexer_ok(lexer) for lexer in lexers)
                and all(isinstance(name, str) for name in tables["dropped"]))
    except (KeyError, TypeError, AttributeError):
        return False


def _rule_ok(rule: Any) -> bool:
    size = rule["size"]
    if not (isinstance(rule["origin"], str) and isinstance(size, int) and size >= 0
            and isinstance(rule["expand1"], bool) and isinstance(rule["append_none"], int)):
        return False
    if rule["callback"] is not None and not isinstance(rule["callback"], str):
        return False
    include = rule["include"]
    if include is None:
        return True
    return all(isinstance(entry, list) and len(entry) == 3
               and all(isinstance(part, int) for part in entry) and 0 <= entry[0] < size
               for entry in include)


def _lexer_ok(lexer: Any) -> bool:
    terminals, skip, retype = lexer["terminals"], lexer["skip"], lexer["retype"]
    return (all(isinstance(t, list) and len(t) == 2 and re.fullmatch(r"[A-Z_][A-Z0-9_]*", t[0])
                and isinstance(t[1], str) for t in terminals)
            and (skip is None or isinstance(skip, str))
            and all(isinstance(name, str) for name in lexer["ignore"])
            and all(isinstance(mapping, dict) and all(isinstance(k, str) and isinstance(v, str)
                                                       for k, v in mapping.items())
                    for mapping in retype.values()))


def load_tables(*, use_cache: bool = True) -> dict[str, Any]:
    """The tables: from the cache when sound, else exported with Lark (and cached)."""
    path = cache_file()
    usable = use_cache and grammar.private_directory(path.parent)
    if usable:
        cached = read_tables(path)
        if cached is not None:
            return cached
    tables = export_tables()
    if usable:
        with contextlib.suppress(OSError):  # an unwritable cache only costs the next run time
            save_tables(tables, path)
    return tables
