"""Reason codes (SPEC 2), in precedence order, each with its message and default remediation."""

from __future__ import annotations

from enum import Enum


class Reason(Enum):
    """Why a row cannot be ported. Declaration order is precedence order."""

    MISSING_NUMBER = (
        "The row has values but no phone number",
        "Fill in the number, or delete the row if it is not meant to be ported.",
    )
    INVALID_NUMBER = (
        "Not a valid phone number",
        "Correct the number: a US or Canadian number has 10 digits, e.g. (415) 555-2671.",
    )
    NOT_US_CA = (
        "A valid number outside the US and Canada",
        "International numbers are ported by ticket: see tickets/international_ticket.md.",
    )
    HAS_EXTENSION = (
        "The number carries an extension; extensions are not portable",
        "Remove the extension and port the main number; the extension stays on the "
        "customer's phone system.",
    )
    UNKNOWN_SERVICE = (
        "The service column is neither voice nor fax",
        "Set the service to voice or fax, or leave it blank for voice.",
    )
    DUPLICATE_IN_BATCH = (
        "The same number appears earlier in this run",
        "Delete this row; the number is checked (and ported) from its first occurrence.",
    )
    IN_OTHER_PORT = (
        "Already in another active or complete port request",
        "Remove the number from this list; wait until the other request completes or is "
        "cancelled if it still has to move.",
    )
    ALREADY_TRACKING = (
        "Already a tracking number in this account",
        "Remove the number from this list: it is already in the account. Edit the tracking "
        "number to change its routing.",
    )
    RECEIVING_NUMBER = (
        "An active receiving number in this account (calls are forwarded to it)",
        "Porting it would break call forwarding: first point the tracking numbers in "
        "`related` at another receiving number, then port it.",
    )
    FAILSAFE_NUMBER = (
        "The account's fail-safe number",
        "Set another fail-safe number in the account first, then port this one.",
    )
    USER_ASSIGNED = (
        "Assigned to a user of the account",
        "Unassign the number from the user (or give the user another number) first.",
    )
    ROUTING_NAME_NOT_ID = (
        "The routing column holds a routing's name, not its ID",
        "Replace the name with the routing ID.",
    )
    UNKNOWN_ROUTING_ID = (
        "The routing ID is not in the account's routing table",
        "Use an ID from the account's routing export, or leave the routing blank to configure "
        "the number without routing.",
    )
    INVALID_RECEIVING_NUMBER = (
        "The receiving number is not a valid phone number",
        "Correct the receiving (forward-to) number, or leave it blank.",
    )
    ROUTES_TO_PORTED_NUMBER = (
        "The receiving number is itself being ported",
        "Forward to a number that stays in service during the port (not one on this list).",
    )

    def __init__(self, message: str, remediation: str) -> None:
        self.message = message
        self.remediation = remediation


CODES: tuple[str, ...] = tuple(reason.name for reason in Reason)
