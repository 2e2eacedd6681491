"""Settings for the whole suite.

pytest-xdist's workers (``make test`` runs two) start with ``COLUMNS=80`` and ``LINES=24`` in
their environment, which a terminal-less ``pytest`` does not have. The command line's tables
are as wide as ``COLUMNS`` says, so the tests that read them see the environment a user's pipe
has: neither set, unless a test sets it.
"""

from __future__ import annotations

import os

for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)
