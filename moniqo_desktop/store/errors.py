"""The store's one error type.

`StoreError` is deliberately *not* a `DomainError`: a broken or locked database file is an
environment problem the user must fix (move the file, close the other program), not a trading rule
that was broken, and the UI reports the two differently. Its message always names the database,
because "database is locked" alone does not tell a trader which file to look at.
"""


class StoreError(Exception):
    """The database could not be opened, read or written; nothing was changed."""
