"""``python -m harsanyi`` runs the command line."""

from harsanyi.cli import main

main()
