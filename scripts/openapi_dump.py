"""Prints the OpenAPI document the app serves at `/openapi.json`, built by the app factory
(no server, no database).

    python -m scripts.openapi_dump > live.json

`tests/test_compat.py` fails when the live document breaks the committed `openapi/v1.json`;
`python -m scripts.openapi_accept` regenerates the examples and then `openapi/v1.json`.
"""

import json
import sys
from typing import Any

from app.core.config import Settings
from app.main import create_app


def document() -> dict[str, Any]:
    # Nothing connects to this database: building the document needs no lifespan.
    return create_app(Settings(database_url="sqlite://")).openapi()


def main() -> None:
    sys.stdout.write(json.dumps(document(), ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
