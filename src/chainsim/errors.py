"""Errors that mean bad input (exit code 2), as opposed to bugs (exit code 1)."""


class InputError(Exception):
    """Bad input outside a scenario file (an option value, a store path); exit code 2."""
