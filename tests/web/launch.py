"""Start the real service (granian, as `alliance-kg serve`) for the web tests:
``python launch.py SETTINGS_JSON``.

SETTINGS_JSON holds ``Settings`` field overrides plus an optional ``"dataset"`` (a TriG file
to serve instead of the built dataset).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from alliance_kg.config import Settings


def main() -> None:
    overrides = json.loads(sys.argv[1])
    dataset = overrides.pop("dataset", None)
    settings = Settings.from_env(**overrides)
    from alliance_kg.web.serve import run

    run(settings, dataset=Path(dataset) if dataset else None)


if __name__ == "__main__":
    main()
