"""One file's outcome, and a file checked in this process without a cache: all that
`mission check FILE --no-cache` needs, without the batch machinery (`compiler.batch`: the
cache's stamps, the worker pool), which a one-file check from a cold process would pay for
at start-up."""

from __future__ import annotations

from compiler.config import Config
from compiler.diagnostics import Diagnostic
from compiler.source import SourceFile
from runtime.frozen import Frozen, set_field


class Checked(Frozen):
    """One file's outcome: its text and findings, or why it could not be read."""

    __slots__ = ("cached", "diagnostics", "path", "problem", "source")
    path: str
    source: SourceFile | None
    diagnostics: tuple[Diagnostic, ...]
    problem: str  # an I/O problem: the file was not checked
    cached: bool

    def __init__(
        self,
        path: str,
        source: SourceFile | None,
        diagnostics: tuple[Diagnostic, ...],
        problem: str = "",
        cached: bool = False,
    ) -> None:
        set_field(self, "path", path)
        set_field(self, "source", source)
        set_field(self, "diagnostics", diagnostics)
        set_field(self, "problem", problem)
        set_field(self, "cached", cached)


def check_file(path: str, config: Config) -> Checked:
    """Read `path` as UTF-8 and check it; a file that cannot be read is a problem."""
    from compiler.pipeline import compile_source
    from runtime.reading import TooLarge, describe_problem, read_limited

    try:
        text = read_limited(path, config.limits.max_file_size).decode("utf-8")
    except TooLarge:
        return oversized(path, config)
    except (OSError, UnicodeDecodeError) as error:
        return Checked(path, None, (), describe_problem(error))
    return Checked(path, SourceFile(path, text),
                   tuple(compile_source(text, path, config=config).diagnostics))


def oversized(path: str, config: Config) -> Checked:
    """A file whose reading stopped at `max-file-size`: E023, and none of it is kept."""
    from compiler.bounds import file_not_read

    return Checked(path, SourceFile(path, ""), (file_not_read(config.limits),))
