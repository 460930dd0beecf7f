"""A small, safe parser for arithmetic expressions typed by a user.

Nothing here ever hands user text to Python (no eval, no ast): a tokenizer that knows
only numbers, short variable names, a fixed list of functions and a few operator signs,
then a recursive-descent parser that builds a tree of plain dataclasses. Anything else
raises `ExpressionError` carrying the position of the offending character, so the page
can draw a caret under it. Length and nesting depth are capped.

Grammar (lowest precedence first):
    expr   := term (('+' | '-') term)*
    term   := unary (('*' | '/') unary)*
    unary  := ('-' | '+') unary | power
    power  := atom ('^' unary)?          right-associative: 2^3^2 = 2^(3^2)
    atom   := NUMBER | NAME | FUNC '(' expr ')' | '(' expr ')'
So -x^2 means -(x^2), as in written mathematics.
"""

from __future__ import annotations

import keyword
import math
from dataclasses import dataclass

MAX_LENGTH = 200
MAX_DEPTH = 24
MAX_NAME_LENGTH = 12
MAX_NODES = 120
MAX_VALUES_LENGTH = 300

FUNCTIONS = ("exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu")
# Signs people type or paste for the same operator.
OPERATOR_ALIASES = {"+": "+", "-": "-", "−": "-", "*": "*", "×": "*", "·": "*", "⋅": "*",
                    "/": "/", "÷": "/", "^": "^"}
PUNCTUATION = {"(": "(", ")": ")", "=": "=", ",": ",", ";": ","}


class ExpressionError(ValueError):
    """A problem in the user's text, with the 0-based position it refers to."""

    def __init__(self, message: str, position: int, text: str = ""):
        super().__init__(message)
        self.message = message
        self.position = position
        self.text = text

    def pointer(self) -> str:
        """The text (or the part of it near the problem) with a caret under the position."""
        text = self.text.replace("\n", " ").replace("\t", " ")
        start = max(0, self.position - 50)
        shown = text[start:start + 80]
        prefix = "…" if start > 0 else ""
        suffix = "…" if start + 80 < len(text) else ""
        caret_at = len(prefix) + self.position - start
        return f"{prefix}{shown}{suffix}\n{' ' * caret_at}^"

    def __str__(self) -> str:
        return f"{self.message} (at character {self.position + 1})"


# ---- tokens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "op", "(", ")", "=", ",", "end"
    text: str
    position: int
    value: float = 0.0


def _is_name_start(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _is_name_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _describe(ch: str) -> str:
    if ch == "_":
        return "'_' can only appear inside a name, not at its start"
    if ch == ".":
        return "'.' is only allowed inside a number such as 0.5"
    if ch in "[]{}":
        return f"'{ch}' is not allowed; use round brackets ( )"
    if ch in "'\"":
        return "quotes are not allowed: this is arithmetic, not text"
    if ch == ":":
        return "':' is not allowed"
    if ch.isspace():
        return "this kind of space is not allowed"
    return f"the character {ch!r} is not allowed"


def tokenize(text: str, max_length: int = MAX_LENGTH) -> list[Token]:
    """Split text into tokens, or raise ExpressionError at the first character that is
    not part of the language."""
    if len(text) > max_length:
        raise ExpressionError(f"The text is too long: {len(text):,} characters, at most "
                              f"{max_length} are allowed.", max_length, text)
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\n\r":
            i += 1
            continue
        if ch == "*" and text[i + 1:i + 2] == "*":  # Python-style power
            tokens.append(Token("op", "^", i))
            i += 2
            continue
        if ch in OPERATOR_ALIASES:
            tokens.append(Token("op", OPERATOR_ALIASES[ch], i))
            i += 1
            continue
        if ch in PUNCTUATION:
            tokens.append(Token(PUNCTUATION[ch], ch, i))
            i += 1
            continue
        if ch.isascii() and (ch.isdigit() or (ch == "." and text[i + 1:i + 2].isdigit())):
            start = i
            while i < n and text[i].isascii() and text[i].isdigit():
                i += 1
            if i < n and text[i] == ".":
                i += 1
                while i < n and text[i].isascii() and text[i].isdigit():
                    i += 1
            if i < n and text[i] in "eE":
                j = i + 1
                if j < n and text[j] in "+-":
                    j += 1
                if j < n and text[j].isascii() and text[j].isdigit():
                    i = j
                    while i < n and text[i].isascii() and text[i].isdigit():
                        i += 1
            literal = text[start:i]
            if i < n and text[i] == ".":
                raise ExpressionError("A number has a second decimal point.", i, text)
            value = float(literal)
            if not math.isfinite(value):
                raise ExpressionError(f"The number {literal} is too large.", start, text)
            tokens.append(Token("number", literal, start, value))
            continue
        if _is_name_start(ch):
            start = i
            while i < n and _is_name_char(text[i]):
                i += 1
            name = text[start:i]
            if len(name) > MAX_NAME_LENGTH:
                raise ExpressionError(f"The name '{name[:MAX_NAME_LENGTH]}…' is too long; "
                                      f"names have at most {MAX_NAME_LENGTH} characters.",
                                      start, text)
            if keyword.iskeyword(name):
                raise ExpressionError(f"'{name}' is a Python keyword; this box only takes "
                                      "arithmetic.", start, text)
            tokens.append(Token("name", name, start))
            continue
        raise ExpressionError(_describe(ch), i, text)
    tokens.append(Token("end", "", n))
    return tokens


# ---- syntax tree ------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: float
    text: str
    position: int


@dataclass(frozen=True)
class Var:
    name: str
    position: int


@dataclass(frozen=True)
class Unary:
    op: str  # "neg" or a function name
    arg: Expr
    position: int


@dataclass(frozen=True)
class Binary:
    op: str  # "+", "-", "*", "/", "^"
    left: Expr
    right: Expr
    position: int


Expr = Num | Var | Unary | Binary


def count_nodes(tree: Expr) -> int:
    if isinstance(tree, (Num, Var)):
        return 1
    if isinstance(tree, Unary):
        return 1 + count_nodes(tree.arg)
    return 1 + count_nodes(tree.left) + count_nodes(tree.right)


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.nodes = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def error(self, message: str, token: Token | None = None) -> ExpressionError:
        return ExpressionError(message, (token or self.tok).position, self.text)

    def advance(self) -> Token:
        tok = self.tok
        self.i += 1
        return tok

    def made(self, node: Expr) -> Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.error(f"The expression is too big: at most {MAX_NODES} numbers, "
                             "names and operations.")
        return node

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"Nested too deeply: at most {MAX_DEPTH} levels of brackets, "
                             "functions and signs.")

    def parse(self) -> Expr:
        if self.tok.kind == "end":
            raise self.error("The expression is empty; type something like (a + b) * b.")
        tree = self.expr()
        if self.tok.kind != "end":
            raise self.unexpected()
        return tree

    def unexpected(self) -> ExpressionError:
        tok = self.tok
        if tok.kind == ")":
            return self.error("This ')' has no matching '('.")
        if tok.kind in ("number", "name", "("):
            return self.error(f"An operator is missing before '{tok.text}' (write 2 * a, "
                              "not 2a).")
        if tok.kind in ("=", ","):
            return self.error(f"'{tok.text}' does not belong in the expression; variable "
                              "values go in the values box.")
        return self.error(f"Unexpected '{tok.text}'.")

    def expr(self) -> Expr:
        left = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.advance()
            left = self.made(Binary(op.text, left, self.term(), op.position))
        return left

    def term(self) -> Expr:
        left = self.unary()
        while self.tok.kind == "op" and self.tok.text in "*/":
            op = self.advance()
            left = self.made(Binary(op.text, left, self.unary(), op.position))
        return left

    def unary(self) -> Expr:
        self.enter()
        try:
            if self.tok.kind == "op" and self.tok.text in "+-":
                op = self.advance()
                arg = self.unary()
                return arg if op.text == "+" else self.made(Unary("neg", arg, op.position))
            return self.power()
        finally:
            self.depth -= 1

    def power(self) -> Expr:
        base = self.atom()
        if self.tok.kind == "op" and self.tok.text == "^":
            op = self.advance()
            return self.made(Binary("^", base, self.unary(), op.position))
        return base

    def atom(self) -> Expr:
        tok = self.tok
        if tok.kind == "number":
            self.advance()
            return self.made(Num(tok.value, tok.text, tok.position))
        if tok.kind == "name":
            self.advance()
            if tok.text in FUNCTIONS:
                if self.tok.kind != "(":
                    raise self.error(f"'{tok.text}' is a function: write {tok.text}(x).")
                self.advance()
                if self.tok.kind == ")":
                    raise self.error(f"{tok.text}() needs something inside the brackets.")
                arg = self.expr()
                self.closing(tok)
                return self.made(Unary(tok.text, arg, tok.position))
            if self.tok.kind == "(":
                raise self.error(f"'{tok.text}' is not a known function. Known: "
                                 f"{', '.join(FUNCTIONS)}.", tok)
            return self.made(Var(tok.text, tok.position))
        if tok.kind == "(":
            self.advance()
            if self.tok.kind == ")":
                raise self.error("Empty brackets: put an expression inside ( ).")
            inner = self.expr()  # the nesting is counted by unary(), one level per bracket
            self.closing(tok)
            return inner
        if tok.kind == "end":
            raise self.error("The expression ends too early: something is missing here.")
        if tok.kind == ")":
            raise self.error("A value is missing before this ')'.")
        if tok.kind == "op":
            raise self.error(f"A value is missing before '{tok.text}'.")
        raise self.unexpected()

    def closing(self, opening: Token) -> None:
        if self.tok.kind != ")":
            if self.tok.kind == "end":
                raise self.error("This '(' is never closed.", opening)
            raise self.unexpected()
        self.advance()


def parse_expression(text: str) -> Expr:
    """The syntax tree of `text`, or ExpressionError pointing at the problem."""
    return _Parser(text).parse()


def parse_values(text: str) -> dict[str, float]:
    """'a=2, b=-1.5' -> {'a': 2.0, 'b': -1.5}. Separators: commas, semicolons or spaces."""
    tokens = tokenize(text, MAX_VALUES_LENGTH)
    values: dict[str, float] = {}
    i = 0

    def err(message: str, tok: Token) -> ExpressionError:
        return ExpressionError(message, tok.position, text)

    while tokens[i].kind != "end":
        if tokens[i].kind == ",":
            i += 1
            continue
        name = tokens[i]
        if name.kind != "name":
            raise err("Expected a variable name here, as in a=2.", name)
        if name.text in FUNCTIONS:
            raise err(f"'{name.text}' is a function, not a variable.", name)
        if tokens[i + 1].kind != "=":
            raise err(f"Expected '=' after {name.text}, as in {name.text}=2.", tokens[i + 1])
        i += 2
        sign = 1.0
        if tokens[i].kind == "op" and tokens[i].text in "+-":
            sign = -1.0 if tokens[i].text == "-" else 1.0
            i += 1
        number = tokens[i]
        if number.kind != "number":
            raise err(f"Expected a number for {name.text}, as in {name.text}=2.", number)
        if name.text in values:
            raise err(f"{name.text} is given twice.", name)
        values[name.text] = sign * number.value
        i += 1
        if tokens[i].kind not in (",", "end", "name"):
            raise err("Expected a comma before the next value.", tokens[i])
    return values
