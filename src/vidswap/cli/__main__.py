"""`python -m vidswap.cli` runs the `vidswap` command."""

from vidswap.cli import main

main()
