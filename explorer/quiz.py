"""Check-yourself questions: each one is made from a random variant (a seed) by a page's
own explorer functions, so its right answer is computed, never typed in.

A page lists question makers, `make(rng) -> Question`; the page kit shows them in one
section with a "new variant" button and checks answers with `Question.check`. Pure Python:
no streamlit here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SEED_PARAM = "quiz_seed"
MAX_SEED = 10**6

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Question:
    """prompt: markdown written by the maker (numbers in it, no user text).
    answer: a number, or one of `options` for a choice.
    explanation: why, with the numbers; shown after an answer is checked.
    tolerance: how far a numeric answer may be from the right one (absolute), so sensible
    rounding passes; rel_tolerance likewise, relative to the answer."""

    prompt: str
    answer: float | str
    explanation: str
    options: tuple[str, ...] = ()
    tolerance: float = 0.0
    rel_tolerance: float = 0.0
    unit: str = ""
    # The variant's inputs, for tests that recompute the answer another way.
    given: dict[str, Any] = field(default_factory=dict)

    @property
    def is_choice(self) -> bool:
        return bool(self.options)

    def check(self, given: object) -> bool:
        """Whether `given` (the learner's text or choice) is the right answer."""
        if self.is_choice:
            return given == self.answer
        value = parse_number(given)
        if value is None:
            return False
        target = float(self.answer)
        # The small slack lets an answer exactly at the tolerance pass despite floating point:
        # 66/80 = 0.825 rounded to 0.82 is 0.005000000000000004 away.
        allowed = max(self.tolerance, self.rel_tolerance * abs(target)) + 1e-9
        return abs(value - target) <= allowed

    def shown_answer(self) -> str:
        if self.is_choice:
            return str(self.answer)
        return format_number(float(self.answer)) + (f" {self.unit}" if self.unit else "")


def parse_number(given: object) -> float | None:
    """A learner's number: '0.25', ' 1,5 ' (decimal comma), '25%', '2/3'; None otherwise."""
    text = str(given).strip().replace(" ", "").replace("−", "-")
    if not text or len(text) > 40:
        return None
    percent = text.endswith("%")
    text = text.rstrip("%")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if "/" in text and text.count("/") == 1:
        top, bottom = text.split("/")
        if _NUMBER.match(top) and _NUMBER.match(bottom) and float(bottom) != 0:
            value = float(top) / float(bottom)
        else:
            return None
    elif _NUMBER.match(text):
        value = float(text)
    else:
        return None
    if not math.isfinite(value):
        return None
    return value / 100 if percent else value


def format_number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.4g}"


Maker = Callable[[np.random.Generator], Question]


def make_questions(makers: tuple[Maker, ...], seed: int) -> list[Question]:
    """One question per maker for this variant; each maker gets its own stream, so adding a
    maker does not change the others' questions."""
    return [maker(np.random.default_rng([seed, index])) for index, maker in enumerate(makers)]
