"""Text for the figures a trader reads — prices, amounts, money — made from `Decimal`.

One spelling for one figure wherever it appears: the window's tables (`ui/formatting.py`, which
adds the market precision it learned) and the engine's messages in the log panel, the tray and
the headless narration (which know the market themselves) both write a price of 50000 on a
0.01-tick market as `50,000.00`. Pure text work, no Qt, so the engine may use it.

The exact value is formatted (a float has already lost digits); prices and money round half-up,
as a trader rounds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

SIGNIFICANT = 5  # digits a price without market rules shows (a tick of 1/10 000 of the price)
MAX_PLACES = 12  # venues list markets with ticks of 1e-10 (Binance's BTTC/USDT near 0.0000007)
MONEY_PLACES = 2  # money in fiat or a stable coin (P&L, fees, totals): to the cent


def auto_places(value: Decimal) -> int:
    """Decimals worth showing for a price of this magnitude: five significant digits, 2..12.

    50 000 -> 2, 143.73 -> 2, 25.125 -> 3, 1.2345 -> 4, 0.45678 -> 5, 0.000012345 -> 9. This is
    the tick most venues (and the paper exchange) use, so a price without known market rules
    still looks like the exchange's own figures.
    """
    magnitude = abs(Decimal(value))
    if magnitude == 0 or not magnitude.is_finite():
        return 2
    return min(MAX_PLACES, max(2, SIGNIFICANT - 1 - magnitude.adjusted()))


def clamp_places(places: int) -> int:
    """A market's price decimals as shown: 0..12 (cut to 8, a 1e-10 tick's prices 0.0000007012
    and 0.0000007049 both read 0.00000070)."""
    return min(MAX_PLACES, max(0, places))


def fmt_decimal(value: Decimal | None, places: int | None = None, *, sign: bool = False) -> str:
    """`1234.5` -> `1,234.50`; `places=None` picks them from the magnitude."""
    if value is None:
        return ""
    value = Decimal(value)
    if not value.is_finite():
        return str(value)
    n = auto_places(value) if places is None else places
    try:  # half-up, as a trader rounds money (format() alone would round half-even)
        value = value.quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        pass
    text = format(value, f"{'+' if sign else ''},.{n}f")
    if text.lstrip("+-").strip("0.,") == "":  # -0.00 / +0.00 -> 0.00
        text = text.lstrip("+-")
    return text


def fmt_market_price(value: Decimal | None, places: int | None, *, sign: bool = False) -> str:
    """A price on a market whose tick has `places` decimals (None: unknown, five significant
    digits): `50,000.00`, `143.73`, `0.45678`."""
    if value is None:
        return ""
    n = auto_places(Decimal(value)) if places is None else clamp_places(places)
    return fmt_decimal(value, n, sign=sign)


def fmt_given_price(value: Decimal, reference: Decimal | None = None) -> str:
    """A price the trader gave, where the market's tick is not at hand: with the decimals
    `fmt_market_price` gives `reference` (the price it is judged against; by default the value
    itself), so the two figures of one message line up as a column of one symbol does, or more
    if the value carries more - a message about a typed level must not round what was typed
    away. `50500` -> `50,500.00`, `0.4567812` -> `0.4567812`."""
    value = Decimal(value)
    own = min(MAX_PLACES, carried_places(value))
    return fmt_decimal(value, max(auto_places(value if reference is None else reference), own))


def carried_places(value: Decimal) -> int:
    """The decimals `value` carries once trailing zeros are dropped: `0.50` -> 1, `1E+3` -> 0."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def fmt_amount(value: Decimal | None) -> str:
    """Quantities: every decimal the value carries, never scientific, never rounded (an
    amount rounded to 8 places showed dust of 1e-9 as "0.00000000" and a coin-fee-reduced
    0.0012290775 BTC as 0.00122908, a figure the account does not hold)."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == 0:
        value = abs(value)  # no "-0"
    return format(value, f",.{carried_places(value)}f")


CENT_CURRENCIES = frozenset({"USDT", "USDC", "BUSD", "FDUSD", "DAI", "TUSD", "USDE", "PYUSD",
                             "USD", "EUR", "GBP", "TRY", "BRL", "AUD"})
"""Quote currencies whose money is counted in cents: fiat and coins pegged to it."""

COIN_MONEY_PLACES = 8
"""Money in a coin (P&L of ETH/BTC is BTC) to the satoshi: 0.0012 BTC is about 100 USD, and
to the cent it read +0.00."""


def money_places(currency: str | None) -> int:
    """Decimals of money in `currency`: 2 for fiat and stable coins (or when unknown), 8 for a
    coin."""
    return MONEY_PLACES if currency is None or currency.upper() in CENT_CURRENCIES \
        else COIN_MONEY_PLACES


def fmt_money(value: Decimal | None, *, sign: bool = True, currency: str | None = None) -> str:
    """Money in the quote currency (P&L, fees), signed by default: `+2,464.63` in USDT,
    `+0.00120000` in BTC (`money_places`)."""
    return fmt_decimal(value, money_places(currency), sign=sign)


def fmt_fee(value: Decimal, currency: str, quote: str) -> str:
    """A fee as a trader reads it: `25.00 USDT` in the quote currency (money, as P&L and History
    show it), `0.00001234 BTC` / `0.05 BNB` in a coin (an amount, every decimal it carries: a
    coin fee rounded to the cent would read 0.00)."""
    text = fmt_money(value, sign=False, currency=quote) if currency == quote \
        else fmt_amount(value)
    return f"{text} {currency}"


def fmt_fees(fees: Mapping[str, Decimal], quote: str) -> list[str]:
    """Every fee of an order or fill, one `fmt_fee` text per currency."""
    return [fmt_fee(value, currency, quote) for currency, value in fees.items()]


def fmt_money_by_quote(amounts: Iterable[tuple[str, Decimal]], *, sign: bool = True) -> str:
    """`+0.25 BTC, +105.25 USDT`: one total per quote currency, in currency order.

    Money in BTC and money in USDT do not add up: a sum across quote currencies is a number that
    means nothing, so every total a trader reads (the History footer, the headless closing line)
    is made here, per currency. Empty input gives an empty text (the caller says "nothing").
    """
    totals: dict[str, Decimal] = {}
    for quote, value in amounts:
        totals[quote] = totals.get(quote, Decimal(0)) + value
    return ", ".join(f"{fmt_money(v, sign=sign, currency=q)} {q}"
                     for q, v in sorted(totals.items()))
