"""The domain's error family.

`DomainError` subclasses `ValueError` so callers that only know "bad value" still catch it; its
message is written for a trader, because the UI shows it as it is.
"""


class DomainError(ValueError):
    """A rule of the trading domain was broken; nothing was changed."""


class InvalidTransition(DomainError):
    """An order was asked to move to a status its state table does not allow."""
