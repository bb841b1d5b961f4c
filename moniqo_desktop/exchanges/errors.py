"""Our small exchange error family, so the engine never catches a ccxt class.

`retryable` is the one question the engine asks of an error: may the same call be tried again
later? Network trouble and rate limits may; a refused order never will succeed by repeating it.
"""


class ExchangeError(Exception):
    retryable = False


class ExchangeUnavailable(ExchangeError):
    """Network down, timeout, 5xx, maintenance: try again later."""

    retryable = True


class RateLimited(ExchangeUnavailable):
    """The exchange asked us to slow down (HTTP 429/418): back off before retrying."""


class InvalidOrder(ExchangeError):
    """The exchange (or its market rules, checked locally) refused the order."""


class InsufficientFunds(InvalidOrder):
    """Not enough balance for the order."""


class OrderNotFound(ExchangeError):
    """The exchange knows no such order."""


class AuthenticationFailed(ExchangeError):
    """Missing, wrong or insufficiently permitted API keys."""
