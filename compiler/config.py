"""Which rules are in force, like ruff: `[tool.mission]` in pyproject.toml, or mission.toml.

    [tool.mission]
    select = ["ALL"]                 # default: every rule that is on by default
    extend-select = ["N301"]         # added to `select`
    ignore = ["W103"]
    exclude = ["generated/**"]       # paths `mission check DIR` does not walk into
    store = "postgresql://db.internal/missions"  # the run store (docs/runtime.md)
    store-runs = "all"               # or "waiting": which runs `mission run` keeps
    [tool.mission.per-file-ignores]
    "legacy/*.mission" = ["W101", "W102"]
    [tool.mission.severity]
    W201 = "error"                   # or "warning", "note"
    [tool.mission.limits]            # bounds on what the compiler reads (E023)
    max-depth = 40
    [tool.mission.operations.slugify]  # the project's own operations (docs/language.md)
    kind = "pure"
    params = { text = "str" }
    result = "str"
    implementation = "release_ops:slugify"
    [tool.mission.notify]            # who is told what, how (`compiler.notify_config`)
    [tool.mission.schedules.daily]   # missions started on a schedule (`compiler.schedule_config`)

A selector is `ALL`, a code (`W201`), a code prefix (`W`, `W2`) or a slug
(`unused-param`). Errors (E0xx) are always in force: they block compilation,
so naming one in `ignore`, `per-file-ignores` or `severity` is a configuration
error. In `mission.toml` the same keys stand at the top level. The file is
found from the current directory upwards: the first directory holding a
`mission.toml`, or a `pyproject.toml` with a `[tool.mission]` table, wins;
patterns are relative to that directory.

`exclude` and `per-file-ignores` patterns are read as `.gitignore` lines are
(`compiler.globs`): `*` stays within one directory, `**` spans any depth, a
pattern with a `/` is anchored to the config's directory, one without matches
a name at any depth, and a matching directory covers everything under it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.limits import DEFAULT_LIMITS, Limits
from compiler.limits import KEYS as LIMIT_KEYS
from runtime.frozen import Frozen, set_field

if TYPE_CHECKING:  # imported where used: a warm `mission check` needs neither
    from compiler.diagnostics import Severity
    from compiler.globs import Glob
    from compiler.notify_config import NotifyConfig
    from compiler.operations import OperationTable
    from compiler.schedule_config import ScheduleConfig
    from runtime.orchestration.user_operations import OperationDeclaration

KEYS = ("select", "extend-select", "ignore", "per-file-ignores", "severity", "exclude", "limits",
        "store", "store-runs", "operations", "notify", "schedules")
STORE_RUNS = ("all", "waiting")


class ConfigError(Exception):
    """The configuration file is not valid; the message names the file and the key."""


class Config(Frozen):
    __slots__ = (
        "broken_operations",
        "digest",
        "exclude",
        "extend_select",
        "ignore",
        "limits",
        "notify",
        "operations",
        "origin",
        "per_file_ignores",
        "root",
        "schedules",
        "select",
        "severity",
        "store",
        "store_runs",
    )
    select: tuple[str, ...] | None  # None: the rules on by default
    extend_select: tuple[str, ...]
    ignore: tuple[str, ...]
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...]
    severity: tuple[tuple[str, str], ...]
    exclude: tuple[str, ...]
    limits: Limits
    store: str  # the run store's path or URL ("" for the default); not for compiling
    store_runs: str  # which runs `mission run` stores: "all", or only "waiting" ones
    operations: tuple[OperationDeclaration, ...]  # the project's own, in file order
    broken_operations: tuple[tuple[str, str], ...]  # (name, why it is not valid): E030
    notify: NotifyConfig | None  # `[notify]`: None when the table is absent
    schedules: tuple[ScheduleConfig, ...]  # `[schedules.NAME]`, by name
    root: str  # the directory patterns are relative to
    origin: str  # the file the settings came from ("" for the defaults)
    digest: str  # the sha256 of that file's bytes, as read (a run records it)

    def __init__(
        self,
        select: tuple[str, ...] | None = None,
        extend_select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = (),
        severity: tuple[tuple[str, str], ...] = (),
        exclude: tuple[str, ...] = (),
        limits: Limits = DEFAULT_LIMITS,
        store: str = "",
        store_runs: str = "all",
        operations: tuple[OperationDeclaration, ...] = (),
        broken_operations: tuple[tuple[str, str], ...] = (),
        notify: NotifyConfig | None = None,
        schedules: tuple[ScheduleConfig, ...] = (),
        root: str = "",
        origin: str = "",
        digest: str = "",
    ) -> None:
        set_field(self, "select", select)
        set_field(self, "extend_select", extend_select)
        set_field(self, "ignore", ignore)
        set_field(self, "per_file_ignores", per_file_ignores)
        set_field(self, "severity", severity)
        set_field(self, "exclude", exclude)
        set_field(self, "limits", limits)
        set_field(self, "store", store)
        set_field(self, "store_runs", store_runs)
        set_field(self, "operations", operations)
        set_field(self, "broken_operations", broken_operations)
        set_field(self, "notify", notify)
        set_field(self, "schedules", schedules)
        set_field(self, "root", root)
        set_field(self, "origin", origin)
        set_field(self, "digest", digest)

    def enabled_for(self, path: str) -> frozenset[str]:
        """The codes in force for the file at `path` (which matters only through the
        per-file ignores: without them, every file of a tree has the same codes)."""
        return _enabled(self, _relative(path, self.root) if self.per_file_ignores else "")

    def severity_of(self, code: str) -> Severity | None:
        """The severity the configuration gives `code`, or None for its default."""
        from compiler.diagnostics import Severity

        for name, level in self.severity:
            if name == code:
                return Severity(level)
        return None

    def excluded(self, path: str) -> bool:
        relative = _relative(path, self.root)
        return any(_matches(pattern, relative) for pattern in self.exclude)

    @property
    def operation_table(self) -> OperationTable:
        """What a mission may call under this configuration (read as data)."""
        from compiler.operations import table_for

        return table_for(self.operations, self.broken_operations, self.origin)

    @property
    def fingerprint(self) -> str:
        """A hash of everything that changes the findings (for the check cache): the
        settings, the project's operations, and the stamps of the directories packages are
        installed in (installing one may declare an operation a mission calls)."""
        data = [self.select, self.extend_select, self.ignore, self.per_file_ignores,
                self.severity, self.root, list(self.limits.as_dict().values()),
                _declared(self.operations), self.broken_operations, _installed_stamp()]
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


DEFAULT = Config()


def _declared(operations: tuple[OperationDeclaration, ...]) -> list[Any]:
    if not operations:
        return []
    from runtime.orchestration.user_operations import emitted

    return [emitted(declaration) for declaration in operations]


def _installed_stamp() -> list[Any]:
    """The modification times of the module search path's directories (the first, the
    script's or the current directory, left out): installing or removing a package adds
    or removes its `.dist-info` there. One `stat` each, so a warm check imports nothing."""
    import sys

    stamps: list[Any] = []
    for entry in sys.path[1:]:
        try:
            stamps.append([entry, os.stat(entry).st_mtime_ns])
        except OSError:
            continue
    return stamps


def _relative(path: str, root: str) -> str:
    if not root:
        return Path(path).as_posix()
    if os.sep == "/" and path[len(root):len(root) + 1] == "/" and path.startswith(root):
        rest = path[len(root):]  # the walk's absolute paths, without a `relpath` each
        if "//" not in rest and "/." not in rest and rest[-1] != "/":
            return rest[1:]
    directory, name = os.path.split(path)
    if os.path.isabs(directory) and name not in ("", ".", ".."):  # a tree outside the root:
        above = _relative_directory(directory, root)               # once per directory
        return name if above == "." else f"{above}/{name}"
    return _relative_slowly(path, root)


@functools.lru_cache(maxsize=1024)
def _relative_directory(directory: str, root: str) -> str:
    """`_relative_slowly` of an absolute directory (which does not depend on the working
    directory, so it may be remembered)."""
    return _relative_slowly(directory, root)


def _relative_slowly(path: str, root: str) -> str:
    try:
        relative = os.path.relpath(os.path.abspath(path), root)
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()
    return Path(relative).as_posix()


def _matches(pattern: str, relative: str) -> bool:
    """Whether the file at `relative` (or a directory above it) matches `pattern`, read as a
    `.gitignore` line reads it (`compiler.globs`)."""
    glob = _compiled(pattern)
    return glob is not None and glob.covers(relative)


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> Glob | None:
    from compiler.globs import compile_glob  # only a config with patterns needs it

    return compile_glob(pattern)


def expand(selector: str) -> frozenset[str]:
    """The codes a selector names; raises ConfigError for an unknown selector."""
    from compiler.rule_codes import all_codes, code_named  # not the rules themselves

    codes = all_codes()
    wanted = selector.strip()
    if wanted.upper() == "ALL":
        return frozenset(codes)
    code = code_named(wanted)
    if code is not None:
        return frozenset({code})
    if re.fullmatch(r"[EWN][0-9]{0,3}", wanted.upper()):
        prefixed = frozenset(code for code in codes if code.startswith(wanted.upper()))
        if prefixed:
            return prefixed
    hint = "".join(f" ({line})" for line in _did_you_mean(wanted.upper(), codes))
    raise ConfigError(f"`{selector}` is not a code, a code prefix, a slug or ALL{hint}")


@functools.lru_cache(maxsize=1024)
def _enabled(config: Config, relative: str) -> frozenset[str]:
    from compiler.rules import MODULES, all_codes

    codes = all_codes()
    if config.select is None:
        base = {name[:4].upper() for name in MODULES if name[:4].upper() not in _OFF_BY_DEFAULT}
    else:
        base = set().union(*(expand(s) for s in config.select)) if config.select else set()
    base |= set().union(*(expand(s) for s in config.extend_select)) if config.extend_select \
        else set()
    for selector in config.ignore:
        base -= expand(selector)
    for pattern, selectors in config.per_file_ignores:
        if _matches(pattern, relative):
            for selector in selectors:
                base -= expand(selector)
    base |= {code for code in codes if code.startswith("E")}
    return frozenset(base)


# Rules with `default=False`, known without importing them (kept in step by a test).
_OFF_BY_DEFAULT = frozenset({"N301", "W216"})


# -- reading the file -------------------------------------------------------------------


def find_config(start: str | Path = ".") -> Path | None:
    """The configuration file for `start` and its parents, or None."""
    directory = Path(start).resolve()
    if directory.is_file():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        found = has_config(candidate)
        if found is not None:
            return found
    return None


def has_config(directory: Path) -> Path | None:
    """The configuration file of this directory itself (not its parents), or None."""
    dedicated = directory / "mission.toml"
    if dedicated.is_file():
        return dedicated
    project = directory / "pyproject.toml"
    if project.is_file() and _has_section(project):
        return project
    return None


def _read(path: Path) -> bytes:
    """A configuration file's bytes, bounded while reading (`runtime.reading`)."""
    from runtime.bounds import MAX_CONFIG_FILE_BYTES
    from runtime.reading import read_limited

    return read_limited(path, MAX_CONFIG_FILE_BYTES)


def _has_section(path: Path) -> bool:
    from runtime.reading import TooLarge

    try:
        text = _read(path).decode("utf-8")
    except (OSError, UnicodeDecodeError, TooLarge):
        return False  # a pyproject.toml that cannot be read (or is huge) is not ours
    if "mission" not in text:  # every spelling of the table names it: skip the TOML parser
        return False
    import tomllib  # only when the pyproject.toml may be ours

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # Ours but broken: chosen, so that loading it reports the TOML error (like ruff).
        return "tool.mission" in text
    tool = data.get("tool")
    return isinstance(tool, dict) and isinstance(tool.get("mission"), dict)


def load_config(path: str | Path) -> Config:
    """Read and validate a `mission.toml` or the `[tool.mission]` table of a pyproject.toml."""
    import tomllib

    from runtime.reading import TooLarge

    path = Path(path)
    try:
        raw = _read(path)
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, TooLarge) as problem:
        raise ConfigError(f"{path}: cannot read it ({problem})") from None
    except tomllib.TOMLDecodeError as problem:
        raise ConfigError(f"{path}: not valid TOML: {problem}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("mission", {}) if isinstance(tool, dict) else {}
        where = f"{path} [tool.mission]"
    else:
        table, where = data, str(path)
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table")
    config = parse_config(table, where, str(path.resolve().parent), str(path))
    return config.replace(digest=hashlib.sha256(raw).hexdigest())


def parse_config(table: Mapping[str, Any], where: str, root: str, origin: str) -> Config:
    for key in table:
        if key not in KEYS:
            hint = "".join(f" ({line})" for line in _did_you_mean(key, KEYS))
            raise ConfigError(f"{where}: unknown key `{key}`{hint}; the keys are "
                              + ", ".join(f"`{k}`" for k in KEYS))
    select = table.get("select")
    operations, broken = _operations(table.get("operations", {}), where, origin)
    config = Config(
        select=None if select is None else _selectors(select, where, "select"),
        extend_select=_selectors(table.get("extend-select", []), where, "extend-select"),
        ignore=_selectors(table.get("ignore", []), where, "ignore", lint_only=True),
        per_file_ignores=_per_file(table.get("per-file-ignores", {}), where),
        severity=_severities(table.get("severity", {}), where),
        exclude=_strings(table.get("exclude", []), where, "exclude"),
        limits=_limits(table.get("limits", {}), where),
        store=_store(table.get("store", ""), where, root),
        store_runs=_store_runs(table.get("store-runs", "all"), where),
        operations=operations, broken_operations=broken,
        notify=_notify(table["notify"], where, root) if "notify" in table else None,
        schedules=_schedules(table["schedules"], where, root) if "schedules" in table else (),
        root=root, origin=origin,
    )
    return config


def _notify(value: Any, where: str, root: str) -> NotifyConfig:
    from compiler.notify_config import NotifyConfigError, parse_notify

    try:
        return parse_notify(value, root)
    except NotifyConfigError as problem:
        raise ConfigError(f"{where}: {problem}") from None


def _schedules(value: Any, where: str, root: str) -> tuple[ScheduleConfig, ...]:
    from compiler.schedule_config import ScheduleConfigError, parse_schedules

    try:
        return parse_schedules(value, root)
    except ScheduleConfigError as problem:
        raise ConfigError(f"{where}: {problem}") from None


def _store(value: Any, where: str, root: str) -> str:
    """The run store named by the config; a relative path is relative to the config's dir."""
    if not isinstance(value, str):
        raise ConfigError(f"{where}: `store` must be a path or a URL (a string)")
    if not value or "://" in value or os.path.isabs(value):
        return value
    return os.path.join(root, value)


def _store_runs(value: Any, where: str) -> str:
    if value not in STORE_RUNS:
        raise ConfigError(f"{where}: `store-runs` is \"all\" (every run `mission run` makes "
                          "is kept) or \"waiting\" (only runs that wait for an answer), "
                          f"not {value!r}")
    return str(value)


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings")
    return tuple(value)


def _selectors(value: Any, where: str, key: str, lint_only: bool = False) -> tuple[str, ...]:
    selectors = _strings(value, where, key)
    for selector in selectors:
        try:
            codes = expand(selector)
        except ConfigError as problem:
            raise ConfigError(f"{where}: `{key}`: {problem}") from None
        if lint_only and selector.upper() != "ALL" and all(c.startswith("E") for c in codes):
            raise ConfigError(f"{where}: `{key}`: `{selector}` names errors, which block "
                              "compilation and cannot be turned off")
    return selectors


def _did_you_mean(word: str, candidates: Any) -> tuple[str, ...]:
    from compiler.suggest import did_you_mean  # with the AST: only for a misspelled key

    return did_you_mean(word, candidates)


def _limits(value: Any, where: str) -> Limits:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: `limits` must be a table of bound = number")
    settings: dict[str, int] = {}
    for key, number in sorted(value.items()):
        if key not in LIMIT_KEYS:
            hint = "".join(f" ({line})" for line in _did_you_mean(key, LIMIT_KEYS))
            raise ConfigError(f"{where}: unknown key `limits.{key}`{hint}; the keys are "
                              + ", ".join(f"`{k}`" for k in LIMIT_KEYS))
        name, ceiling = LIMIT_KEYS[key]
        if isinstance(number, bool) or not isinstance(number, int) or number < 1 \
                or (ceiling is not None and number > ceiling):
            most = f" to {ceiling}" if ceiling is not None else " up"
            raise ConfigError(f"{where}: `limits.{key}` must be a whole number from 1{most}, "
                              f"not {number!r}")
        settings[name] = number
    return DEFAULT_LIMITS.replace(**settings)


def _operations(value: Any, where: str, origin: str
                ) -> tuple[tuple[OperationDeclaration, ...], tuple[tuple[str, str], ...]]:
    """The project's operation declarations, read as data (their code is never imported),
    and (name, problem) for each that is not valid: a call of one is E030, so that one bad
    declaration does not stop the checking of every mission."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: `operations` must be a table of operation name = "
                          "{kind, params, result, doc, implementation}")
    if not value:
        return (), ()
    from runtime.orchestration.user_operations import DeclarationError, parse_declaration

    table = where.removesuffix("]") + ".operations" if where.endswith("]") else \
        f"{where} [operations"
    from compiler.syntax import KEYWORDS

    found = []
    broken = []
    for name, declaration in value.items():
        if name in KEYWORDS:
            broken.append((name, f"{table}.{name}]: `{name}` is a keyword of the language; "
                                 f"name the operation otherwise, for example `{name}_value`"))
            continue
        try:
            found.append(parse_declaration(name, declaration, f"{table}.{name}]", origin))
        except DeclarationError as problem:
            broken.append((name, str(problem)))
    return tuple(found), tuple(broken)


def _per_file(value: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: `per-file-ignores` must be a table of pattern = [codes]")
    return tuple((pattern, _selectors(codes, where, f"per-file-ignores.{pattern}", True))
                 for pattern, codes in sorted(value.items()))


# The values of `compiler.diagnostics.Severity`, which a warm check does not import.
SEVERITY_LEVELS = ("error", "warning", "note")


def _severities(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: `severity` must be a table of CODE = \"error\" | "
                          "\"warning\" | \"note\"")
    found: list[tuple[str, str]] = []
    for selector, level in sorted(value.items()):
        if level not in SEVERITY_LEVELS:
            raise ConfigError(f"{where}: `severity.{selector}` must be \"error\", \"warning\" "
                              f"or \"note\", not {json.dumps(level)}")
        try:
            codes = expand(selector)
        except ConfigError as problem:
            raise ConfigError(f"{where}: `severity`: {problem}") from None
        if any(code.startswith("E") for code in codes):
            raise ConfigError(f"{where}: `severity.{selector}`: errors keep their severity")
        found.extend((code, level) for code in sorted(codes))
    return tuple(found)


def config_for(start: str | Path = ".", explicit: str | Path | None = None) -> Config:
    """The configuration in force: the explicit file, the one found from `start`, or defaults."""
    if explicit is not None:
        return load_config(explicit)
    found = find_config(start)
    return load_config(found) if found is not None else DEFAULT

