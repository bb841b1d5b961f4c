"""A keyring backend for subprocesses under test: a JSON file named by MONIQO_TEST_KEYRING_FILE.

Select it with PYTHON_KEYRING_BACKEND=file_keyring.FileKeyring (tests/support on PYTHONPATH), so
a `moniqo-desktop serve` child reads the fake keys and database URL the test stored, and the
OS keyring is never touched.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def path(self) -> Path:
        return Path(os.environ["MONIQO_TEST_KEYRING_FILE"])

    def _items(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._items().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        items = self._items()
        items[f"{service}\n{username}"] = password
        self.path.write_text(json.dumps(items), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        items = self._items()
        items.pop(f"{service}\n{username}", None)
        self.path.write_text(json.dumps(items), encoding="utf-8")
