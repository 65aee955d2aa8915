"""``python -m alliance_kg`` runs the ``alliance-kg`` command (where the script is not on PATH)."""

from .cli import main

main(prog_name="alliance-kg")
