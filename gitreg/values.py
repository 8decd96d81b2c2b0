"""Validation of metric values and training parameters, before anything is written."""
from __future__ import annotations

import math
import numbers
import sys
from typing import Any, Mapping, Optional

from .errors import InvalidValueError
from .records import METRIC_FIELDS, ROUGE_FIELDS

_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/")


_FLOAT_MAX = sys.float_info.max


def _plain(value: Any) -> float | int:
    """A numbers.Real (numpy/torch scalars included) as a plain int or float."""
    if isinstance(value, numbers.Integral):
        return int(value)
    try:
        return float(value)
    except OverflowError:  # a Fraction or Decimal beyond float
        return math.inf


def check_number(name: str, value: Any) -> float | int:
    """A finite real number, stored as a plain int or float: anything numbers.Real says is
    one (numpy.float64, torch scalars via float()/int()); bools and strings are refused
    (True is not 1.0 here). A value that YAML would not give back equal is refused too:
    integers beyond a float's range (10**400) and floats that underflow to 0 (1e-400 as a
    Decimal) are not silently changed."""
    item = getattr(value, "item", None)  # 0-d numpy arrays and torch tensors
    if not isinstance(value, numbers.Real) and callable(item) and getattr(value, "ndim", 1) == 0:
        value = item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or type(value).__name__ == "bool_":
        raise InvalidValueError(f"{name} must be a number, got {value!r}")
    plain = _plain(value)
    if isinstance(plain, float) and not math.isfinite(plain):
        raise InvalidValueError(f"{name} must be a finite number, got {value!r}")
    if isinstance(plain, int) and abs(plain) > _FLOAT_MAX:
        raise InvalidValueError(f"{name} is too large to store ({str(plain)[:20]}...: beyond a float's range)")
    if isinstance(plain, float) and plain == 0.0 and value != 0:
        raise InvalidValueError(f"{name} is too small to store ({value!r} would be kept as 0)")
    return plain


def check_metric_name(name: Any) -> str:
    if not isinstance(name, str) or not name or not set(name) <= _NAME_OK or len(name) > 100:
        raise InvalidValueError(
            f"metric name {name!r} must be 1-100 characters of letters, digits, '.', '_', '-', '/'"
        )
    return name


def split_scores(scores: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword scores -> evaluation_scores fields.

    Known names go to their field; rouge1/rouge2/rougeL (or rouge={...}) into
    `rouge`; `custom_metrics={...}` and every other name into custom_metrics.
    """
    out: dict[str, Any] = {}
    rouge: dict[str, float] = {}
    custom: dict[str, float] = {}
    for key, value in scores.items():
        if value is None:
            continue
        if key == "custom_metrics":
            if not isinstance(value, Mapping):
                raise InvalidValueError(f"custom_metrics must be a mapping, got {value!r}")
            for k, v in value.items():
                custom[check_metric_name(k)] = check_number(f"metric {k}", v)
        elif key == "rouge":
            if not isinstance(value, Mapping):
                raise InvalidValueError(f"rouge must be a mapping like {{'rouge1': 0.4}}, got {value!r}")
            for k, v in value.items():
                rouge[check_metric_name(k)] = check_number(f"rouge {k}", v)
        elif key in ROUGE_FIELDS:
            rouge[key] = check_number(key, value)
        elif key in METRIC_FIELDS:
            out[key] = check_number(key, value)
        else:
            custom[check_metric_name(key)] = check_number(f"metric {key}", value)
    if rouge:
        out["rouge"] = rouge
    if custom:
        out["custom_metrics"] = custom
    return out


def check_count(name: str, value: Any) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError(f"{name} must be a non-negative whole number, got {value!r}")
    return value


def check_amount(name: str, value: Any) -> Optional[float]:
    if value is None:
        return None
    value = check_number(name, value)
    if value < 0:
        raise InvalidValueError(f"{name} must not be negative, got {value!r}")
    return value


def check_text(name: str, value: Any) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValueError(f"{name} must be a string, got {value!r}")
    return value


def check_str_list(name: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise InvalidValueError(f"{name} must be a list of strings, got {value!r}")
    value = list(value)
    if not all(isinstance(v, str) and v for v in value):
        raise InvalidValueError(f"{name} must be a list of non-empty strings, got {value!r}")
    out: list[str] = []
    for v in value:
        if v not in out:
            out.append(v)
    return out
