"""Subcommands of `inmm-tui`; each module has `register(subparsers)` and a handler."""
