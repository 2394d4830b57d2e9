"""Shared field vocabularies for the schemas."""

from __future__ import annotations

BOOLEAN_WORDS = ("true", "false", "yes", "no", "y", "n", "1", "0", "t", "f", "active", "inactive")
TRUE_WORDS = ("true", "yes", "y", "1", "t", "active")
E164 = r"^\+[1-9]\d{6,14}$"
NANP_E164 = r"^\+1[2-9]\d{2}\d{7}$"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
