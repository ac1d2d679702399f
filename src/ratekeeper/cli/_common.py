"""What every command shares: the exit codes, click's context settings, failing with a
message on stderr, and reading the VENUE argument."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from ..venues import Venue

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_STORE = 3
EXIT_INTERRUPTED = 130

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"ratekeeper: {message}", err=True)
    sys.exit(code)


def load_venue(name: str) -> Venue:
    from ..venues import venue, venue_names

    try:
        return venue(name)
    except ValueError:
        raise click.BadParameter(
            f"unknown venue {name!r}; known venues: {', '.join(venue_names())}", param_hint="VENUE"
        ) from None
