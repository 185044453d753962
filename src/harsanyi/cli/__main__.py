"""``python -m harsanyi.cli`` runs the command line."""

from harsanyi.cli import main

main()
