"""clubbot: a Telegram assistant that runs a university's student clubs."""

import sys

if sys.version_info < (3, 11):  # noqa: UP036 (before anything fails on newer syntax)
    raise SystemExit(f"clubbot needs Python 3.11 or newer; this is {sys.version.split()[0]}")
