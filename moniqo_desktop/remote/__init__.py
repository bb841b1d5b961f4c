"""The desktop window as a client of a server engine (`moniqo-desktop --connect postgresql://…`).

`RemoteEngine` answers the window from the server's tables and turns its actions into commands;
`FactsPublisher` is the server's half: it keeps what the window needs of the venue (markets,
balances, prices) in the store.
"""

from .engine import RemoteEngine
from .publisher import FactsPublisher

__all__ = ["FactsPublisher", "RemoteEngine"]
