"""Accepts the live OpenAPI document as v1, in one command:

    python -m scripts.openapi_accept

1. rewrites the response examples from the seeded dataset (`scripts.openapi_examples`);
2. checks the live document against the committed `openapi/v1.json` and stops on any
   breaking change (v1 only grows; `--allow-breaking` overrides, for a new major version);
3. writes the live document to `openapi/v1.json`.

Run it after adding a route or changing the data, then commit both files.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

from scripts.openapi_compat import breaking_changes

COMMITTED = Path(__file__).resolve().parents[1] / "openapi" / "v1.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allow-breaking", action="store_true")
    args = parser.parse_args()
    # In fresh processes: the document embeds the examples file as loaded at import.
    subprocess.run([sys.executable, "-m", "scripts.openapi_examples"], check=True)
    dumped = subprocess.run(
        [sys.executable, "-m", "scripts.openapi_dump"], check=True, capture_output=True, text=True
    ).stdout
    if COMMITTED.exists():
        problems = breaking_changes(
            json.loads(COMMITTED.read_text(encoding="utf-8")), json.loads(dumped)
        )
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems and not args.allow_breaking:
            sys.exit(f"{len(problems)} breaking change(s): {COMMITTED} left as it was")
    COMMITTED.parent.mkdir(exist_ok=True)
    COMMITTED.write_text(dumped, encoding="utf-8")
    print(f"wrote {COMMITTED}", file=sys.stderr)


if __name__ == "__main__":
    main()
