"""Shared fixtures for the GUI tests (headless: QT_QPA_PLATFORM=offscreen)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from moniqo_desktop.ui import theme  # noqa: E402


@pytest.fixture(autouse=True)
def dark_theme(qapp):
    theme.apply_theme(qapp, "dark")
    yield
