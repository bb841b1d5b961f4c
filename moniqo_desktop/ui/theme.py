"""Dark and light palettes, semantic colours and one compact stylesheet.

Widgets never hard-code a colour: they ask `current()` for a semantic one (profit, loss, risk
level, status), so switching the theme is one call that repaints everything consistently.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


@dataclass(frozen=True)
class Theme:
    name: str
    window: str
    base: str
    alt_base: str
    panel: str
    text: str
    muted: str
    border: str
    accent: str
    selection: str
    up: str
    down: str
    warn: str
    critical: str
    neutral: str
    button: str
    chart_bg: str
    chart_grid: str
    chart_price: str
    chart_stop: str
    chart_target: str
    chart_entry: str
    chart_break_even: str
    chart_marks: str

    def color(self, name: str) -> QColor:
        return QColor(getattr(self, name))


DARK = Theme(
    name="dark",
    window="#15181d", base="#1b1f25", alt_base="#1f242b", panel="#1b1f25",
    text="#d7dce2", muted="#8a939e", border="#2c323b", accent="#3d8bfd",
    selection="#27405f", up="#26a69a", down="#ef5350", warn="#f0b429",
    critical="#ff4d6d", neutral="#8a939e", button="#262c34",
    chart_bg="#15181d", chart_grid="#2c323b", chart_price="#d7dce2", chart_stop="#ef5350",
    chart_target="#26a69a", chart_entry="#3d8bfd", chart_break_even="#f0b429",
    chart_marks="#8d98a5",
)

LIGHT = Theme(
    name="light",
    window="#f3f4f6", base="#ffffff", alt_base="#f7f8fa", panel="#ffffff",
    text="#1c2128", muted="#5f6b78", border="#d5d9df", accent="#1f6feb",
    selection="#cfe1fb", up="#0f8a5f", down="#c62828", warn="#b7791f",
    critical="#b00020", neutral="#5f6b78", button="#eceff3",
    chart_bg="#ffffff", chart_grid="#e3e6ea", chart_price="#1c2128", chart_stop="#c62828",
    chart_target="#0f8a5f", chart_entry="#1f6feb", chart_break_even="#b7791f",
    chart_marks="#6b7683",
)

THEMES = {"dark": DARK, "light": LIGHT}
_current: Theme = DARK


def current() -> Theme:
    return _current


def get(name: str) -> Theme:
    return THEMES.get(name, DARK)


# Semantic colour for an enum value (by its `.value`); unknown values stay neutral.
_BADGE_COLOURS: dict[str, str] = {
    # sides
    "buy": "up", "long": "up", "sell": "down", "short": "down",
    # risk
    "low": "up", "medium": "warn", "high": "down", "critical": "critical",
    # order status
    "pending": "muted", "submitted": "accent", "open": "accent", "partially_filled": "warn",
    "filled": "up", "cancelling": "warn", "cancelled": "muted", "rejected": "down",
    "expired": "muted", "failed": "down",
    # position status (open already covered)
    "opening": "accent", "closing": "warn", "closed": "muted", "liquidated": "critical",
    # connection
    "connected": "up", "connecting": "warn", "degraded": "warn", "disconnected": "down",
}


def badge_colour(value: object) -> QColor:
    raw = getattr(value, "value", value)
    return _current.color(_BADGE_COLOURS.get(str(raw), "text"))


def pnl_colour(value: object) -> QColor | None:
    """Green above zero, red below, no colour at zero (a flat trade is not news)."""
    try:
        if value > 0:  # type: ignore[operator]
            return _current.color("up")
        if value < 0:  # type: ignore[operator]
            return _current.color("down")
    except TypeError:
        pass
    return None


def _palette(t: Theme) -> QPalette:
    p = QPalette()
    c = t.color
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.Window, c("window"))
        p.setColor(group, QPalette.ColorRole.WindowText, c("text"))
        p.setColor(group, QPalette.ColorRole.Base, c("base"))
        p.setColor(group, QPalette.ColorRole.AlternateBase, c("alt_base"))
        p.setColor(group, QPalette.ColorRole.Text, c("text"))
        p.setColor(group, QPalette.ColorRole.Button, c("button"))
        p.setColor(group, QPalette.ColorRole.ButtonText, c("text"))
        p.setColor(group, QPalette.ColorRole.Highlight, c("selection"))
        p.setColor(group, QPalette.ColorRole.HighlightedText, c("text"))
        p.setColor(group, QPalette.ColorRole.ToolTipBase, c("panel"))
        p.setColor(group, QPalette.ColorRole.ToolTipText, c("text"))
        p.setColor(group, QPalette.ColorRole.PlaceholderText, c("muted"))
        p.setColor(group, QPalette.ColorRole.Link, c("accent"))
    disabled = QPalette.ColorGroup.Disabled
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        p.setColor(disabled, role, c("muted"))
    p.setColor(disabled, QPalette.ColorRole.Base, c("window"))
    p.setColor(disabled, QPalette.ColorRole.Button, c("window"))
    return p


HEADER_PAD = 4
HEADER_ARROW_ROOM = 14
"""Every header keeps the sort arrow's room on its right, so a label (right-aligned over
numbers: "Held", "Open P&L") never runs under the arrow; a narrowed column elides the label."""


def stylesheet(t: Theme) -> str:
    """Compact: small paddings, thin borders, one accent. Dense but calm."""
    return f"""
    QWidget {{ font-size: 9pt; }}
    QMainWindow::separator, QSplitter::handle {{ background: {t.window}; }}
    QSplitter::handle:horizontal {{ width: 4px; }}
    QSplitter::handle:vertical {{ height: 4px; }}
    QFrame#panel, QFrame#accountStrip {{
        background: {t.panel}; border: 1px solid {t.border}; border-radius: 4px;
    }}
    QLabel#panelTitle {{ color: {t.muted}; font-weight: 600; letter-spacing: 0.5px; }}
    QLabel#muted, QLabel[muted="true"] {{ color: {t.muted}; }}
    QLabel#stripValue {{ font-weight: 600; }}
    QLabel#modeBadge {{
        font-weight: 700; letter-spacing: 1px; padding: 4px 10px; border-radius: 3px;
        color: white; background: {t.accent};
    }}
    QLabel#modeBadge[mode="live"] {{ background: #d1242f; }}
    QLabel#modeBadge[mode="testnet"] {{ background: #b7791f; }}
    QTableView {{
        background: {t.base}; alternate-background-color: {t.alt_base};
        gridline-color: {t.border}; border: 1px solid {t.border};
        selection-background-color: {t.selection};
    }}
    QHeaderView::section {{
        background: {t.window}; color: {t.muted}; border: none;
        border-right: 1px solid {t.border}; border-bottom: 1px solid {t.border};
        padding: 3px {HEADER_ARROW_ROOM}px 3px {HEADER_PAD}px; font-weight: 600;
    }}
    QLineEdit, QComboBox, QPlainTextEdit {{
        background: {t.base}; border: 1px solid {t.border}; border-radius: 3px;
        padding: 3px 5px; selection-background-color: {t.selection};
    }}
    QLineEdit:focus, QComboBox:focus {{ border: 1px solid {t.accent}; }}
    QLineEdit:disabled, QComboBox:disabled {{ background: {t.window}; color: {t.muted}; }}
    QLineEdit[invalid="true"] {{ border: 1px solid {t.down}; background: {t.alt_base}; }}
    QLabel#orderError {{ color: {t.down}; }}
    QLabel#orderInfo, QLabel#orderEstimate {{ color: {t.muted}; }}
    QLabel#orderMessage {{ color: {t.accent}; }}
    QPushButton {{
        background: {t.button}; border: 1px solid {t.border}; border-radius: 3px;
        padding: 4px 10px;
    }}
    QPushButton:hover {{ border-color: {t.accent}; }}
    QPushButton:disabled {{ color: {t.muted}; }}
    QPushButton#buyButton:checked {{ background: {t.up}; color: white; border-color: {t.up}; }}
    QPushButton#sellButton:checked {{ background: {t.down}; color: white; border-color: {t.down}; }}
    QPushButton#submitOrder {{ font-weight: 600; padding: 6px 10px; }}
    QPushButton#submitOrder[side="buy"] {{ background: {t.up}; color: white; border-color: {t.up}; }}
    QPushButton#submitOrder[side="sell"] {{ background: {t.down}; color: white; border-color: {t.down}; }}
    QPushButton#submitOrder:disabled {{ background: {t.button}; color: {t.muted}; }}
    QTabWidget::pane {{ border: 1px solid {t.border}; top: -1px; }}
    QTabBar::tab {{
        background: {t.window}; color: {t.muted}; padding: 4px 12px;
        border: 1px solid {t.border}; border-bottom: none;
    }}
    QTabBar::tab:selected {{ background: {t.base}; color: {t.text}; }}
    QStatusBar {{ color: {t.muted}; }}
    QToolTip {{ background: {t.panel}; color: {t.text}; border: 1px solid {t.border}; }}
    """


def apply_theme(app: QApplication, name: str) -> Theme:
    """Switch the whole application to theme `name` ("dark" or "light")."""
    apply_palette(app, name)
    return apply_stylesheet(app)


_FUSION_SET = "moniqoFusionStyle"  # an application property: Fusion is set (`apply_palette`)


def apply_palette(app: QApplication, name: str) -> Theme:
    """The first half of `apply_theme`: the theme that widgets read (`current`), Qt's style and
    the palette - everything but the stylesheet, which `apply_stylesheet` adds.

    A window is built between the two halves: under an application stylesheet, every widget
    moved into a parent has its whole subtree un-polished and re-polished against the sheet,
    and a window assembled from panels moves each of them several times (60 ms of a start);
    a sheet set on the finished window polishes each widget once."""
    global _current
    _current = get(name)
    if app.property(_FUSION_SET) is not True:
        # Once per application. Replacing the style under a live stylesheet leaves Qt's
        # stylesheet style wrapping the deleted one, and a later `setStyleSheet` crashed
        # (a segfault in the UI tests, whose every window applied the theme again; a theme
        # switch did the same): the style is set once, before any sheet.
        if app.styleSheet():
            app.setStyleSheet("")
        app.setStyle("Fusion")
        app.setProperty(_FUSION_SET, True)
    app.setPalette(_palette(_current))
    return _current


def apply_stylesheet(app: QApplication) -> Theme:
    """The second half of `apply_theme`: the current theme's stylesheet."""
    app.setStyleSheet(stylesheet(_current))
    return _current
