"""Errors that mean bad input (exit code 2), as opposed to bugs (exit code 1), and the one
place where text from input files is made safe to print on a terminal."""

from __future__ import annotations

import unicodedata


class InputError(Exception):
    """Bad input outside a scenario file (an option value, a store path); exit code 2."""


def printable(text: object, keep: str = "") -> str:
    """``str(text)`` with every control or formatting character shown as an escape
    (``\\x1b``, ``\\u202e``…) instead of being sent to the terminal: a county name or a file
    name holding escape sequences, carriage returns or bidirectional overrides is printed
    as what it is, and cannot rewrite the screen. Newlines and tabs are escaped too (so one
    problem stays on one line) unless named in ``keep``."""
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") and ch not in keep and ch != "\u200d":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)
