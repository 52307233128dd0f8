"""chainsim: industrial-chain simulation grounded in reported figures."""

__version__ = "0.1.0"
