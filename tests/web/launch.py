"""Start the real service (waitress) for the web tests: ``python launch.py SETTINGS_JSON``.

SETTINGS_JSON holds ``Settings`` field overrides plus an optional ``"dataset"`` (a TriG file
to serve instead of the built dataset). Library modules that have not landed yet are replaced
by the stand-ins of :mod:`standins`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import standins

from alliance_kg.config import Settings


def main() -> None:
    overrides = json.loads(sys.argv[1])
    dataset = overrides.pop("dataset", None)
    installed = standins.install()
    if installed:
        print("stand-ins for: " + ", ".join(installed), flush=True)
    settings = Settings.from_env(**overrides)
    from alliance_kg.web.serve import run

    run(settings, dataset=Path(dataset) if dataset else None)


if __name__ == "__main__":
    main()
