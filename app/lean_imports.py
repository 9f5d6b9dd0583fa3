"""Start-up without two libraries' optional extras: imported first by `app.cli`.

structlog imports `rich` (pretty tracebacks for its console renderer) and mako, alembic's
templating library, imports `pygments` (highlighted HTML error pages) whenever they are
installed, as they are in a development environment, for other tools. The server uses
neither: its logs are JSON (`app.core.logging`) and alembic renders no HTML. Importing
structlog and mako here with those two hidden saves about 0.1 s of CPU at every start of
`cica-api` (measured 6 December 2026; the start-up to the first 200 that
`python -m scripts.bench` measures is about 1.3 s); where they are not installed (the
container) it changes nothing. Hidden only
while these imports run: anything imported later may use them.
"""

import importlib
import sys
from typing import Final

HIDDEN: Final = ("rich", "pygments")
LIBRARIES: Final = ("structlog", "mako.exceptions")


def import_without_extras() -> None:
    hidden = [name for name in HIDDEN if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # importing it raises ImportError
    try:
        for library in LIBRARIES:
            importlib.import_module(library)
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


import_without_extras()
