"""mission's one HTML stack: the Jinja2 templates of the run report (`mission run --report`)
and of `mission serve`'s pages, autoescaped everywhere.

A run's steps, answers, times, events and state are drawn by the macros of
`templates/run_report.html`; the report file (`templates/report.html`, a standalone page with
inline CSS) and serve's run and answer pages (which add their own frame, forms and links)
both call them, so the two show the same run the same way. Jinja2 comes with the `report`
and `serve` extras and is imported only when a page is drawn (docs/architecture.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates"
STYLE = TEMPLATES / "report.css"


def jinja_missing(feature: str = "the HTML report", extra: str = "report") -> str | None:
    """What to tell a user whose install lacks Jinja2 (None when it is there)."""
    try:
        import jinja2  # noqa: F401
    except ImportError:
        return f"{feature} needs Jinja2, which is not installed: pip install 'mission[{extra}]'"
    return None


def environment(*more: Path) -> Environment:
    """The templates here and in `more` (searched first), autoescaped."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader([*more, TEMPLATES]),
                       autoescape=select_autoescape(default=True, default_for_string=True))
