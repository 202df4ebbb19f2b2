"""`python -m forecaster` is the same as the `forecaster` command."""

from forecaster.cli import main

main()
