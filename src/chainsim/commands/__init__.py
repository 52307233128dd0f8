"""One module per ``chainsim`` command; each exposes ``register(subparsers)``."""
