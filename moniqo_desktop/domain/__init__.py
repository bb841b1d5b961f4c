"""Pure trading rules: no Qt, no SQL, no I/O — so every rule is a plain function to test."""

from .errors import DomainError, InvalidTransition
from .exits import (
    ExitDecision,
    ExitEvaluation,
    ExitRecord,
    apply_evaluation,
    check_exits,
    evaluate_exit,
)
from .money import parse_amount, to_decimal
from .orders import (
    TERMINAL_STATUSES,
    TRANSITIONS,
    Fill,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    StatusChange,
)
from .protection import Protection
from .positions import (
    ExitReason,
    Position,
    PositionSide,
    PositionStatus,
    RiskLevel,
    RiskThresholds,
)

__all__ = [
    "DomainError",
    "ExitDecision",
    "ExitEvaluation",
    "ExitRecord",
    "ExitReason",
    "Fill",
    "InvalidTransition",
    "Order",
    "OrderIntent",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "Position",
    "Protection",
    "PositionSide",
    "PositionStatus",
    "RiskLevel",
    "RiskThresholds",
    "StatusChange",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "apply_evaluation",
    "check_exits",
    "evaluate_exit",
    "parse_amount",
    "to_decimal",
]
