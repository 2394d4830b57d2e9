"""Port request statuses: the account export's words and the porting system's, in one place."""

from __future__ import annotations

# SPEC 1.2: statuses of the account's port_requests export.
ACTIVE_STATUSES = ("submitted", "pending", "in_progress", "foc", "scheduled")
COMPLETE_STATUSES = ("complete", "completed", "ported")
NOT_BLOCKING_STATUSES = ("draft", "cancelled", "canceled", "rejected")

ACTIVE, COMPLETE, NOT_BLOCKING = "active", "complete", "not blocking"
# The porting system's lifecycle, at the same level. An exception is still an active port.
SYSTEM_LEVELS = {
    "submitted": ACTIVE,
    "exception": ACTIVE,
    "foc": ACTIVE,
    "complete": COMPLETE,
    "draft": NOT_BLOCKING,
    "cancelled": NOT_BLOCKING,
}
EXPORT_LEVELS = {
    **dict.fromkeys(ACTIVE_STATUSES, ACTIVE),
    **dict.fromkeys(COMPLETE_STATUSES, COMPLETE),
    **dict.fromkeys(NOT_BLOCKING_STATUSES, NOT_BLOCKING),
}
# Requests still on their way (the reconciliation's "pending").
PENDING_SYSTEM_STATUSES = tuple(s for s, level in SYSTEM_LEVELS.items() if level == ACTIVE)
