"""The ``alliance-kg`` command line: parse arguments, call the library, map outcomes to exit codes.

Nothing here does the work; every command is a call into ``knowledge``, ``store`` or ``web``,
the same functions the service uses. Exit codes are the same for every command:
0 success (and "conforms"), 1 violations found, 2 bad input, 3 any other failure.
"""

from __future__ import annotations

import sys

import click

from .errors import ErrorKind, KGError

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2
EXIT_FAILURE = 3

#: the one place an error kind becomes an exit code
EXIT_CODES: dict[ErrorKind, int] = {
    ErrorKind.BAD_INPUT: EXIT_BAD_INPUT,
    ErrorKind.NOT_FOUND: EXIT_BAD_INPUT,
    ErrorKind.UNSUPPORTED_MEDIA_TYPE: EXIT_BAD_INPUT,
    ErrorKind.TOO_LARGE: EXIT_BAD_INPUT,
    ErrorKind.INCONSISTENT: EXIT_VIOLATIONS,
    ErrorKind.CONFLICT: EXIT_VIOLATIONS,
}


def fail(err: KGError) -> None:
    """Print an error the way compilers do (``file:line:col: message``) and exit."""
    click.echo(f"alliance-kg: error: {err}", err=True)
    sys.exit(EXIT_CODES.get(err.kind, EXIT_FAILURE))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="alliance-kg")
def main() -> None:
    """Alliance KG: build, validate, query and serve the Indo-Pacific security knowledge graph."""


# Commands are added below: build, validate, query (knowledge), serve (web).
