"""The ``ratekeeper`` command line: demo, rules, status, simulate, mock, gateway.

Exit codes (every command; see ``docs/cli.md``):

* 0 — done, and every check the command makes passed;
* 1 — a check failed (``demo``: a window held more than its limit, or the server answered 429);
* 2 — bad usage: an unknown option, venue or file, a workload that cannot be priced, or an
  optional part that is not installed (the message names what to install);
* 3 — the store could not be reached;
* 130 — interrupted (Ctrl-C), except ``status --watch`` where Ctrl-C is the normal way out (0).

Output is coloured only on a terminal and never when ``NO_COLOR`` is set (rich decides). When
rich is not installed every command still works and prints plain text.

Each command is a module of this package (``rules``, ``status``, ``simulate``, ``mock``,
``gateway``, ``demo``); what they share is in ``_common`` (exit codes, failing) and
``_output`` (tables, formats).
"""

from __future__ import annotations

import click

from .. import __version__
from . import demo, gateway, mock, rules, simulate, status
from ._common import CONTEXT, EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_STORE, EXIT_USAGE
from .rules import rule_cost, rules_data
from .status import LimitCatalog, StatusRow, status_rows, store_limits

__all__ = [
    "EXIT_CHECK_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_STORE",
    "EXIT_USAGE",
    "LimitCatalog",
    "StatusRow",
    "main",
    "rule_cost",
    "rules_data",
    "status_rows",
    "store_limits",
]


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="ratekeeper")
def main() -> None:
    """Keep programs inside the rate limits of exchange APIs.

    \b
    Exit codes: 0 ok, 1 a check failed (demo), 2 bad usage or a missing
    optional part, 3 the store could not be reached, 130 interrupted.
    """


for _command in (demo.demo, gateway.gateway, mock.mock, rules.rules, simulate.simulate, status.status):
    main.add_command(_command)
