"""Moniqo Desktop: a desktop trading monitor for crypto traders."""

__version__ = "0.1.0"
