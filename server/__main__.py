"""`python -m server ...` is the same as the `chungsuc` command."""

from server.cli import main

main()
