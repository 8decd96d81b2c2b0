"""The query grammar, by recursive descent (precedence: not > and > or).

    query     := [or] END
    or        := and ("or" and)*
    and       := unary ("and" unary)*
    unary     := "not" unary | "(" or ")" | predicate
    predicate := name OP value
               | name ["not"] "in" "(" value ("," value)* ")"
               | name "between" value "and" value
               | word-with-colon          (field:value shorthand, split at the first ':')
               | name                     (the value is set)
    name      := WORD | STRING            value := WORD | STRING

Keywords are case-insensitive and only count unquoted. A `field:value` shorthand is
recognised only when no operator follows, so a metric whose name has a `:` is still
compared as `"a:b" > 1` or `a:b > 1`; its prefix must be a field (`tag:`, `status:`,
`parent:`, `training_data:`, ..., and `deployed:ENV`), so `parent:majora:v2` is
`parent = majora:v2`.
"""
from __future__ import annotations

from gitreg.core.errors import QueryError
from gitreg.features.query.ast import (
    And,
    Between,
    Compare,
    Exists,
    Field,
    InList,
    Literal,
    MatchAll,
    Node,
    Not,
    Or,
)
from gitreg.features.query.fields import SHORTHAND, field_name, suggest
from gitreg.features.query.lexer import Token, tokenize

KEYWORDS = {"and", "or", "not", "in", "between"}
GLOB_CHARS = set("*?[")
MAX_DEPTH = 100  # nesting of parentheses / not: bounded, so no query exhausts the stack


def parse(text: str) -> Node:
    return _Parser(tokenize(text)).query()


def _describe(tok: Token) -> str:
    return "the end of the query" if tok.kind == "END" else repr(tok.text)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    # -- helpers -------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def keyword(self, tok: Token, word: str) -> bool:
        return tok.kind == "WORD" and tok.text.lower() == word

    def take(self) -> Token:
        tok = self.tok
        self.i += 1
        return tok

    def fail(self, message: str, tok: Token) -> QueryError:
        return QueryError(f"{message} at {tok.column}", tok.column)

    # -- grammar ---------------------------------------------------------------
    def query(self) -> Node:
        if self.tok.kind == "END":
            return MatchAll()
        node = self.or_()
        if self.tok.kind != "END":
            tok = self.tok
            hint = " (join conditions with 'and' or 'or')" if tok.kind in ("WORD", "STRING", "LPAREN") else ""
            raise self.fail(f"unexpected {_describe(tok)}{hint}", tok)
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while self.keyword(self.tok, "or"):
            op = self.take()
            items.append(self.and_(after=op))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self, after: Token | None = None) -> Node:
        items = [self.unary(after)]
        while self.keyword(self.tok, "and"):
            op = self.take()
            items.append(self.unary(op))
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self, after: Token | None = None) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"query nests deeper than {MAX_DEPTH} levels", self.tok)
        try:
            tok = self.tok
            if self.keyword(tok, "not"):
                self.take()
                return Not(self.unary(tok))
            if tok.kind == "LPAREN":
                self.take()
                if self.tok.kind == "RPAREN":
                    raise self.fail("expected a condition after '('", tok)
                node = self.or_()
                if self.tok.kind != "RPAREN":
                    raise self.fail(f"expected ')' to close the '(' at {tok.column}, found {_describe(self.tok)}",
                                    self.tok)
                self.take()
                return node
            return self.predicate(after)
        finally:
            self.depth -= 1

    def predicate(self, after: Token | None) -> Node:
        tok = self.tok
        if tok.kind not in ("WORD", "STRING") or (tok.kind == "WORD" and tok.text.lower() in KEYWORDS):
            if after is not None:
                raise self.fail(f"expected a condition after {after.text!r}", after)
            raise self.fail(f"expected a condition, found {_describe(tok)}", tok)
        self.take()
        field = Field(tok.text, tok.column)
        nxt = self.tok
        if nxt.kind == "OP" and nxt.text == "=" and self._shorthand_with_equals(tok, nxt):
            return self.shorthand(self._joined(tok))
        if nxt.kind == "OP":
            op = self.take()
            return Compare(field, op.text, self.value(op), op.column)
        if self.keyword(nxt, "in"):
            return self.in_list(field, negated=False)
        if self.keyword(nxt, "not") and self.keyword(self.peek(), "in"):
            self.take()
            return self.in_list(field, negated=True)
        if self.keyword(nxt, "between"):
            word = self.take()
            low = self.value(word)
            if not self.keyword(self.tok, "and"):
                raise self.fail(f"expected 'and' after 'between {low.text}', found {_describe(self.tok)}",
                                self.tok)
            high = self.value(self.take())
            return Between(field, low, high)
        if tok.kind == "WORD" and ":" in tok.text:
            return self.shorthand(tok)
        return Exists(field)

    def _shorthand_with_equals(self, tok: Token, op: Token) -> bool:
        """`tag:lora_r=16`, written without spaces: MLflow-style `key=value` tags are one
        value of the `tag:` shorthand, not a metric `tag:lora_r` compared with 16."""
        prefix, colon, rest = tok.text.partition(":")
        value = self.peek()
        return (tok.kind == "WORD" and bool(colon and rest) and field_name(prefix) is not None
                and op.column == tok.end and value.kind == "WORD" and value.column == op.end)

    def _joined(self, tok: Token) -> Token:
        self.take()
        value = self.take()
        return Token("WORD", f"{tok.text}={value.text}", tok.column, value.end)

    def value(self, after: Token) -> Literal:
        tok = self.tok
        if tok.kind == "STRING" or (tok.kind == "WORD" and tok.text.lower() not in ("and", "or")):
            self.take()
            return Literal(tok.text, tok.kind == "STRING", tok.column)
        raise self.fail(f"expected a value after {after.text!r}", after)

    def in_list(self, field: Field, negated: bool) -> InList:
        word = self.take()
        opening = self.tok
        if opening.kind != "LPAREN":
            raise self.fail(f"expected '(' after {word.text!r}", word)
        self.take()
        values: list[Literal] = []
        while True:
            tok = self.tok
            if tok.kind == "STRING":
                values.append(Literal(tok.text, True, tok.column))
            elif tok.kind == "WORD":  # unquoted `a,b` is two items: quote an item with a comma
                offset = 0
                for part in tok.text.split(","):
                    if part:
                        values.append(Literal(part, False, tok.column + offset))
                    offset += len(part) + 1
            else:
                raise self.fail("expected a value in the list after '('", opening)
            self.take()
            if self.tok.kind == "COMMA":
                self.take()
                continue
            if self.tok.kind == "RPAREN":
                self.take()
                return InList(field, tuple(values), negated)
            raise self.fail(f"expected ',' or ')' in the list, found {_describe(self.tok)}", self.tok)

    def shorthand(self, tok: Token) -> Node:
        prefix, _, rest = tok.text.partition(":")
        canonical = SHORTHAND.get(prefix) or field_name(prefix)
        if canonical is None:
            close = suggest(prefix)
            raise self.fail(
                f"unknown field {prefix!r} in {tok.text!r} ({close + ' ' if close else ''}"
                f"a metric needs an operator, as in '{tok.text} > 0')", tok)
        column = tok.column + len(prefix) + 1
        if not rest and self.tok.kind == "STRING" and self.tok.column == tok.end:
            quoted = self.take()  # tag:"two words"
            value = Literal(quoted.text, True, quoted.column)
        elif not rest:
            raise self.fail(f"expected a value after '{prefix}:'", tok)
        else:
            value = Literal(rest, False, column)
        op = "~" if not value.quoted and GLOB_CHARS & set(value.text) else "="
        return Compare(Field(canonical, tok.column), op, value, column)
