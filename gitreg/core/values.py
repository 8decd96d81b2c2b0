"""Validation of metric values and training parameters, before anything is written."""
from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping  # isinstance through typing.Mapping costs ~4x (its __instancecheck__ is Python)
from typing import Any, Optional

from gitreg.core.errors import InvalidValueError
from gitreg.core.records import METRIC_FIELDS, ROUGE_FIELDS

_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/@,:+")
MAX_NESTING = 8  # nested metric mappings flattened with '/' (DESIGN.md 'Names')

# Metrics that are fractions by definition: a value outside [0, 1] is a mistake (a
# percentage, a loss), refused before it is written. BLEU is not here: sacrebleu reports 0-100.
BOUNDED_METRICS = {"accuracy": (0.0, 1.0), "f1_score": (0.0, 1.0),
                   "rouge1": (0.0, 1.0), "rouge2": (0.0, 1.0), "rougeL": (0.0, 1.0)}
# Patterns as text, matched through re's own cache: compiled by the first write that checks
# one (extra keys, sha256 sums), never by a read (MLflow's store in a fresh process).
_EXTRA_KEY = r"[a-z][a-z0-9_]{0,63}\Z"
_EXTRA_TEXT_MAX = 4096
_EXTRA_ENTRIES_MAX = 64


# The largest integer stored: JSON's interoperable range (RFC 7493: what every JSON and YAML
# reader carries exactly) and what the query layer, which compares numbers as floats, holds
# exactly; 10**400 would be written and then break them.
INT_MAX = 2**53 - 1


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
    kind = type(value)
    if kind is float and math.isfinite(value) or kind is int and abs(value) <= INT_MAX:
        return value  # the common case, without the numbers.Real checks below (same answer)
    item = getattr(value, "item", None)  # 0-d numpy arrays and torch tensors
    if not isinstance(value, numbers.Real) and callable(item) and getattr(value, "ndim", 1) == 0:
        value = item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or type(value).__name__ == "bool_":
        raise InvalidValueError(f"{name} must be a number, got {value!r}")
    plain = _plain(value)
    if isinstance(plain, float) and not math.isfinite(plain):
        raise InvalidValueError(f"{name} must be a finite number, got {value!r}")
    if isinstance(plain, int) and abs(plain) > INT_MAX:
        raise InvalidValueError(
            f"{name} is too large to store ({str(plain)[:20]}...: integers are at most 2**53-1, "
            "what JSON, YAML and queries carry exactly)")
    if isinstance(plain, float) and plain == 0.0 and value != 0:
        raise InvalidValueError(f"{name} is too small to store ({value!r} would be kept as 0)")
    return plain


def check_metric_name(name: Any) -> str:
    if not isinstance(name, str) or not name or not set(name) <= _NAME_OK or len(name) > 100:
        raise InvalidValueError(
            f"metric name {name!r} must be 1-100 characters of letters, digits and . _ - / @ , : +"
        )
    return name


def check_bounded(name: str, value: float | int) -> float | int:
    """A known fraction metric (BOUNDED_METRICS) must lie in its range."""
    low, high = BOUNDED_METRICS.get(name, (None, None))
    if low is not None and not low <= value <= high:
        raise InvalidValueError(f"{name} must be between {low:g} and {high:g}, got {value!r}")
    return value


def flatten(prefix: str, value: Any, depth: int = 0, what: str = "metric") -> dict[str, Any]:
    """{'mmlu': {'acc,none': 0.6}} -> {'mmlu/acc,none': 0.6}; leaves are left unchecked.
    Two keys that flatten to one name ({'a/b': 1, 'a': {'b': 2}}) are an error naming both."""
    return {name: v for name, (v, _) in _flatten(prefix, value, depth, what, prefix).items()}


def _flatten(prefix: str, value: Any, depth: int, what: str, path: str) -> dict[str, tuple[Any, str]]:
    """{flat name: (value, the key path it came from, as written)}."""
    kind = type(value)  # a plain number is no mapping: known without the ABC's (Python) isinstance
    if kind is not dict and (kind is float or kind is int or not isinstance(value, Mapping)):
        return {prefix: (value, path)}
    if depth >= MAX_NESTING:
        raise InvalidValueError(f"{what} {prefix!r} is nested deeper than {MAX_NESTING} levels")
    out: dict[str, tuple[Any, str]] = {}
    for key, inner in value.items():
        name = f"{prefix}/{key}" if prefix else str(key)
        for flat, found in _flatten(name, inner, depth + 1, what, f"{path} > {key}" if path else str(key)).items():
            _put(out, flat, found, what)
    return out


def _put(out: dict[str, tuple[Any, str]], name: str, found: tuple[Any, str], what: str = "metric") -> None:
    """out[name] = found, unless another key already flattened to `name` (then an error naming both)."""
    if name in out:
        raise InvalidValueError(
            f"{what}s {out[name][1]!r} and {found[1]!r} both flatten to {name!r}: rename one")
    out[name] = found


def split_scores(scores: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword scores -> evaluation_scores fields.

    Known names go to their field; rouge1/rouge2/rougeL (or rouge={...}) into
    `rouge`; `custom_metrics={...}` and every other name into custom_metrics.
    """
    out: dict[str, Any] = {}
    rouge: dict[str, float] = {}
    custom_from: dict[str, tuple[Any, str]] = {}
    for key, value in scores.items():
        if value is None:
            continue
        if key == "custom_metrics":
            if not isinstance(value, Mapping):
                raise InvalidValueError(f"custom_metrics must be a mapping, got {value!r}")
            for k, found in _flatten("", value, 0, "metric", "").items():
                _put(custom_from, check_metric_name(k), (check_number(f"metric {k}", found[0]), found[1]))
        elif key == "rouge":
            if not isinstance(value, Mapping):
                raise InvalidValueError(f"rouge must be a mapping like {{'rouge1': 0.4}}, got {value!r}")
            for k, v in value.items():
                rouge[check_metric_name(k)] = check_bounded(k, check_number(f"rouge {k}", v))
        elif key in ROUGE_FIELDS:
            rouge[key] = check_bounded(key, check_number(key, value))
        elif key in METRIC_FIELDS:
            out[key] = check_bounded(key, check_number(key, value))
        else:
            for k, found in _flatten(str(key), value, 0, "metric", str(key)).items():
                _put(custom_from, check_metric_name(k), (check_number(f"metric {k}", found[0]), found[1]))
    custom = {name: v for name, (v, _) in custom_from.items()}
    if rouge:
        out["rouge"] = rouge
    if custom:
        out["custom_metrics"] = custom
    return out


def check_count(name: str, value: Any) -> Optional[int]:
    """A non-negative whole number; numpy/torch integers and whole floats (3.0) count."""
    if value is None:
        return None
    if type(value) is int and 0 <= value <= INT_MAX:  # the usual: the answer below, without its ABC checks
        return value
    whole = f"{name} must be a non-negative whole number, got {value!r}"
    if isinstance(value, bool) or not (isinstance(value, numbers.Real) or callable(getattr(value, "item", None))):
        raise InvalidValueError(whole)
    plain = check_number(name, value)
    if isinstance(plain, float) and plain.is_integer():
        plain = int(plain)
    if not isinstance(plain, int) or plain < 0:
        raise InvalidValueError(whole)
    return plain


def check_epochs(value: Any) -> Optional[float | int]:
    """Epochs may be fractional (HF's num_train_epochs 2.5); a whole number is kept an int."""
    plain = check_amount("epochs", value)
    return int(plain) if isinstance(plain, float) and plain.is_integer() else plain


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


def _extra_scalar(where: str, value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return check_number(where, value)
    if isinstance(value, str) and len(value) <= _EXTRA_TEXT_MAX:
        return value
    raise InvalidValueError(
        f"{where} must be text of at most {_EXTRA_TEXT_MAX} characters, a number, a boolean or null"
    )


def check_extra_keys(value: Any, reserved: set[str]) -> dict[str, Any]:
    """Integration keys for the manifest (e.g. `mlflow: {run_id: ...}`): a name that is not
    one of gitreg's own keys, holding a scalar or a flat mapping of scalars, bounded."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidValueError(f"extra_keys must be a mapping, got {value!r}")
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not re.match(_EXTRA_KEY, key) or key in reserved:
            raise InvalidValueError(
                f"manifest key {key!r} must be lower-case letters, digits and '_' (at most 64) "
                "and not one of gitreg's own keys"
            )
        if isinstance(item, Mapping):
            if len(item) > _EXTRA_ENTRIES_MAX:
                raise InvalidValueError(f"manifest key {key!r} holds more than {_EXTRA_ENTRIES_MAX} entries")
            for sub in item:
                if not isinstance(sub, str) or not re.match(_EXTRA_KEY, sub):
                    raise InvalidValueError(f"manifest key {key}.{sub!r}: names are lower-case letters, digits, '_'")
            out[key] = {sub: _extra_scalar(f"{key}.{sub}", v) for sub, v in item.items()}
        else:
            out[key] = _extra_scalar(key, item)
    return out


# -- params and metric meaning (DESIGN.md 'Additions of this round') ---------------------------
PARAM_TEXT_MAX = 1024      # bytes of UTF-8 per string value
PARAM_LIST_MAX = 256       # strings in one list value
PARAMS_MAX = 1000          # entries in one version's params
DIRECTIONS = ("max", "min")
_INFO_TEXT_MAX = 100


def check_param_value(name: str, value: Any) -> Any:
    """A finite number (numpy's too), a string of at most 1 KiB, a boolean or a list of such
    strings; anything else is refused naming the param."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    if isinstance(value, str):
        if len(value.encode("utf-8", "surrogatepass")) > PARAM_TEXT_MAX:
            raise InvalidValueError(f"param {name} is longer than {PARAM_TEXT_MAX} bytes")
        return value
    if isinstance(value, (list, tuple)):
        if len(value) > PARAM_LIST_MAX:
            raise InvalidValueError(f"param {name} holds more than {PARAM_LIST_MAX} items")
        return [check_param_value(name, v) if isinstance(v, str) else _not_a_param(name, value) for v in value]
    if isinstance(value, numbers.Real) or callable(getattr(value, "item", None)):
        return check_number(f"param {name}", value)
    return _not_a_param(name, value)


def _not_a_param(name: str, value: Any) -> Any:
    raise InvalidValueError(
        f"param {name} must be a number, a string, a boolean or a list of strings, got {str(value)[:60]!r}")


def check_params(value: Any) -> dict[str, Any]:
    """`params=`: a flat or nested mapping (nesting flattened with '/', like metrics), names
    of the metric grammar, None values left out; sorted by name so the manifest is stable."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidValueError(f"params must be a mapping of names to values, got {str(value)[:60]!r}")
    flat = flatten("", value, what="param")
    if len(flat) > PARAMS_MAX:
        raise InvalidValueError(f"params holds {len(flat)} entries; at most {PARAMS_MAX}")
    out = {}
    for name, v in sorted(flat.items()):
        if v is not None:
            out[check_metric_name(name)] = check_param_value(name, v)
    return out


def describe_metric_info(info: Mapping[str, Any]) -> str:
    """'higher is better, lm-eval, mmlu, 5-shot': what a metric_info entry says, for display."""
    said = [{"max": "higher is better", "min": "lower is better"}.get(str(info.get("direction")), "")]
    said += [str(info.get(k)) for k in ("source", "group") if info.get(k)]
    said += [f"{info['n_shot']}-shot"] if "n_shot" in info else []
    return ", ".join(x for x in said if x)


def check_metric_info(value: Any) -> dict[str, dict[str, Any]]:
    """Per metric name: direction (max/min), stderr (a number >= 0), source, group (texts) and
    n_shot (a count); every key optional, unknown keys refused, empty entries left out."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidValueError(f"metric_info must be a mapping of metric names, got {str(value)[:60]!r}")
    out: dict[str, dict[str, Any]] = {}
    for name, info in value.items():
        check_metric_name(name)
        if not isinstance(info, Mapping):
            raise InvalidValueError(f"metric_info for {name} must be a mapping, got {str(info)[:60]!r}")
        entry: dict[str, Any] = {}
        for key, v in info.items():
            if v is None:
                continue
            if key == "direction":
                if v not in DIRECTIONS:
                    raise InvalidValueError(f"direction of {name} must be 'max' or 'min', got {v!r}")
            elif key == "stderr":
                v = check_amount(f"stderr of {name}", v)
            elif key == "n_shot":
                v = check_count(f"n_shot of {name}", v)
            elif key in ("source", "group"):
                if not isinstance(v, str) or not v or len(v) > _INFO_TEXT_MAX:
                    raise InvalidValueError(f"{key} of {name} must be text of 1-{_INFO_TEXT_MAX} characters")
            else:
                raise InvalidValueError(
                    f"metric_info for {name}: unknown key {key!r} (direction, stderr, source, group, n_shot)")
            entry[key] = v
        if entry:
            out[name] = entry
    return out


# -- provenance: training data and base model entries --------------------------------------
SOURCE_KEYS = ("name", "revision", "sha256", "uri")
_SHA256 = r"[0-9a-f]{64}\Z"
_SOURCE_TEXT_MAX = {"name": 200, "revision": 200, "uri": 2048}


def check_source(what: str, value: Any) -> str | dict[str, str]:
    """A bare name, or a mapping of name (required), revision, sha256 (64 hex), uri; a mapping
    holding only a name is stored as the bare name, so the seed's shape stays where it can."""
    if isinstance(value, str):
        if value.strip() and len(value) <= _SOURCE_TEXT_MAX["name"] and "\n" not in value:
            return value  # the common case, read for every version: a bare name
        value = {"name": value}
    if not isinstance(value, Mapping):
        raise InvalidValueError(f"{what} must be a name or a mapping of {', '.join(SOURCE_KEYS)}, got {value!r}")
    unknown = set(value) - set(SOURCE_KEYS)
    if unknown:
        raise InvalidValueError(f"{what}: unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                                f"(allowed: {', '.join(SOURCE_KEYS)})")
    out: dict[str, str] = {}
    for key in SOURCE_KEYS:
        v = value.get(key)
        if v is None:
            continue
        if key == "sha256":
            if not isinstance(v, str) or not re.match(_SHA256, v.lower()):
                raise InvalidValueError(f"{what}: sha256 must be 64 hexadecimal digits, got {str(v)[:80]!r}")
            v = v.lower()
        elif not isinstance(v, str) or not v.strip() or len(v) > _SOURCE_TEXT_MAX[key] or "\n" in v:
            raise InvalidValueError(f"{what}: {key} must be one line of 1-{_SOURCE_TEXT_MAX[key]} characters")
        out[key] = v
    if "name" not in out:
        raise InvalidValueError(f"{what}: a name is required")
    return out["name"] if set(out) == {"name"} else out


def check_sources(what: str, value: Any) -> list[str | dict[str, str]]:
    """Training data: names or source mappings (check_source), each name once."""
    if value is None:
        return []
    if type(value) is not list and (isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__")):
        raise InvalidValueError(f"{what} must be a list of names or source mappings, got {value!r}")
    out: list[str | dict[str, str]] = []
    seen: set[str] = set()
    for item in value:
        checked = check_source(what, item)
        name = checked if isinstance(checked, str) else checked["name"]
        if name not in seen:
            seen.add(name)
            out.append(checked)
    return out


def source_name(entry: Any) -> str:
    """The name of a stored entry (a bare string or a mapping), as text."""
    if type(entry) is str:  # the common case (typing.Mapping's isinstance is slow)
        return entry
    return str(entry.get("name", "")) if isinstance(entry, Mapping) else str(entry)
