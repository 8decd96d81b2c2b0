"""Tokens of the query language.

A word is a run of characters other than white space, quotes, parentheses and the
operator characters `< > = ! ~`; so metric names (`mmlu/acc,none`, `pass@1`), dates
(`2026-01-01T10:00:00+00:00`), globs (`Qwen*`) and shorthands (`parent:majora:v2`) are
one word each, and `:` is left to the parser. A comma inside a word is part of it; a
comma that ends a word (`(a, b)`) or stands alone is a separator.
"""
from __future__ import annotations

from dataclasses import dataclass

from gitreg.core.errors import QueryError
from gitreg.core.recordbase import Record

OPERATORS = (">=", "<=", "!=", "!~", "==", "=", "<", ">", "~")
_SPECIAL = set("()\"'<>=!~")
MAX_QUERY = 10_000  # characters: a query is typed or generated, never a document


@dataclass(eq=False, repr=False)
class Token(Record):
    """One token as the parser reads it (made per query, never changed or hashed: no frozen
    methods to create at start-up; the docstring spares dataclass a signature)."""
    kind: str  # WORD, STRING, OP, LPAREN, RPAREN, COMMA, END
    text: str
    column: int  # 1-based
    end: int  # column just after the token (adjacency of `tag:` and a quoted value)


def _word_char(ch: str) -> bool:
    return not ch.isspace() and ch not in _SPECIAL


def tokenize(text: str) -> list[Token]:
    if not isinstance(text, str):
        raise QueryError(f"a query is text, got {type(text).__name__}")
    if len(text) > MAX_QUERY:
        raise QueryError(f"query is longer than {MAX_QUERY} characters")
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(Token("LPAREN" if ch == "(" else "RPAREN", ch, i + 1, i + 2))
            i += 1
        elif ch in "\"'":
            i = _string(text, i, tokens)
        elif ch in "<>=!~":
            op = next((o for o in OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise QueryError(f"unexpected {ch!r} at {i + 1} (did you mean '!=' or '!~'?)", i + 1)
            tokens.append(Token("OP", "=" if op == "==" else op, i + 1, i + 1 + len(op)))
            i += len(op)
        elif ch == ",":
            tokens.append(Token("COMMA", ",", i + 1, i + 2))
            i += 1
        else:
            start = i
            while i < n and _word_char(text[i]) and not (
                text[i] == "," and (i + 1 == n or not _word_char(text[i + 1]))
            ):
                i += 1
            tokens.append(Token("WORD", text[start:i], start + 1, i + 1))
    tokens.append(Token("END", "", n + 1, n + 1))
    return tokens


def _string(text: str, i: int, tokens: list[Token]) -> int:
    """A quoted string; backslash escapes the quote and itself. Returns the index after it."""
    quote, start, out = text[i], i, []
    i += 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in (quote, "\\"):
            out.append(text[i + 1])
            i += 2
        elif ch == quote:
            tokens.append(Token("STRING", "".join(out), start + 1, i + 2))
            return i + 1
        else:
            out.append(ch)
            i += 1
    raise QueryError(f"unterminated string starting at {start + 1}", start + 1)
