"""portflow: checks bulk phone-number port lists against an account's exported tables."""

__version__ = "0.1.0"
