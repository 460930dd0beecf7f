"""Each page's settings, declared once.

A page lists its parameters (`Param`: URL key, label, widget, default, range or options,
step, help) and its presets in one `PageSpec`, kept in `explorer/<concept>_spec.py` so it
can be read without running the page. Everything else reads that declaration: the page
kit draws the widgets from it (`ui.widget`), cleans a stranger's URL against it before any
widget exists (`clean_query`), presets and tour steps are checked against it (`check`),
and the README's parameter reference is generated from it (`reference_markdown`).

The idea is TensorFlow Playground's `state.ts` (one typed table of every setting); unlike
it, ranges are enforced: a URL can name any value, and every link is public.

Pure Python: no streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

NUMBER_WIDGETS = ("slider", "number_input")
CHOICE_WIDGETS = ("select_slider", "selectbox", "radio", "segmented_control", "pills", "tabs")
FLAG_WIDGETS = ("toggle", "checkbox")
TEXT_WIDGETS = ("text_input", "text_area")
MANY_WIDGETS = ("multiselect",)
WIDGETS = NUMBER_WIDGETS + CHOICE_WIDGETS + FLAG_WIDGETS + TEXT_WIDGETS + MANY_WIDGETS

# URL keys the page kit itself uses on every page; no page may declare them.
RESERVED_KEYS = frozenset({"present", "preset", "tour", "tour_step", "embed",
                           "embed_options", "quiz", "quiz_seed"})

# Longest URL value read for a number: "-1.2345678901234567e-300" is 24 characters;
# anything far longer is an attempt to make float() or int() work hard.
MAX_NUMBER_CHARS = 40


class ParamError(ValueError):
    """A declaration, preset or tour step names a parameter or value that cannot be."""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def number_token(value: float | int) -> str:
    """A number as Streamlit writes it into the URL: 5.0 -> '5', 0.25 -> '0.25'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Param:
    """One setting of a page, as its widget, its URL value and its documentation see it.

    widget: which Streamlit widget draws it (see WIDGETS).
    lo, hi, step: the range of a number (the widget's own min, max and step). For a
      `dynamic` number the page narrows the range at run time (e.g. a row index up to the
      image's height); lo and hi are then the widest it can ever be.
    options: the choices of a choice or multi-choice widget; `fmt` turns an option into
      its label, which is also its URL value (Streamlit writes labels into the URL). For a
      `dynamic` choice (options that come from the data, e.g. a CSV's columns) `options`
      is empty and only the length of the URL value is checked here.
    max_chars: the longest text a text widget (and its URL value) may hold.
    aliases: older URL names of this parameter, still read so old links keep working.
    value_aliases: for a choice, (old label, option) pairs: a label the control no longer
      offers, read as the option that now takes its place (an old link opens the nearest
      view the page still has, with a note saying so).
    """

    key: str
    label: str
    widget: str
    default: Any
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    options: tuple = ()
    fmt: Callable[[Any], str] | None = None
    max_chars: int = 200
    help: str = ""
    dynamic: bool = False
    aliases: tuple[str, ...] = ()
    value_aliases: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.widget not in WIDGETS:
            raise ParamError(f"{self.key}: unknown widget {self.widget!r}")
        if self.key in RESERVED_KEYS or self.key.startswith("_"):
            raise ParamError(f"{self.key}: that URL name is reserved for the page kit")
        if self.widget in NUMBER_WIDGETS:
            if self.lo is None or self.hi is None or not self.lo <= self.hi:
                raise ParamError(f"{self.key}: a number needs lo <= hi")
            if self.step is None:
                object.__setattr__(self, "step", 1 if self.integer else 0.01)
        if self.widget in CHOICE_WIDGETS + MANY_WIDGETS and not self.dynamic:
            labels = [self.label_of(o) for o in self.options]
            if not labels or len(set(labels)) != len(labels):
                raise ParamError(f"{self.key}: options need distinct labels")
        problem = None if self.dynamic else self.problem(self.default)
        if problem:
            raise ParamError(f"{self.key}: the default {self.default!r} {problem}")
        for old, new in self.value_aliases:
            if self.kind != "choice" or self.dynamic or new not in self.options \
                    or old in {self.label_of(o) for o in self.options}:
                raise ParamError(f"{self.key}: the old value {old!r} must name a label the "
                                 "choice no longer offers, and its replacement an option")

    # ---- what kind of value -----------------------------------------------------------

    @property
    def kind(self) -> str:
        """'int', 'float', 'choice', 'flag', 'text' or 'many'."""
        if self.widget in NUMBER_WIDGETS:
            return "int" if self.integer else "float"
        if self.widget in CHOICE_WIDGETS:
            return "choice"
        if self.widget in FLAG_WIDGETS:
            return "flag"
        if self.widget in TEXT_WIDGETS:
            return "text"
        return "many"

    @property
    def integer(self) -> bool:
        return all(_is_int(v) for v in (self.lo, self.hi, self.default)
                   if v is not None) and (self.step is None or _is_int(self.step))

    def label_of(self, option: Any) -> str:
        return (self.fmt or str)(option)

    # ---- checking a value (presets, tours, tests) --------------------------------------

    def problem(self, value: Any) -> str | None:
        """Why `value` cannot be this parameter's value, or None when it can."""
        kind = self.kind
        if kind in ("int", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return "is not a number"
            if not math.isfinite(value):
                return "is not finite"
            if kind == "int" and not _is_int(value) and not float(value).is_integer():
                return "is not a whole number"
            if not self.lo <= value <= self.hi:
                return f"is outside {number_token(self.lo)} to {number_token(self.hi)}"
            if self.snap(value) != value and not self.dynamic:
                return f"is not on the step {number_token(self.step)} from {number_token(self.lo)}"
            return None
        if kind == "flag":
            return None if isinstance(value, bool) else "is not true or false"
        if kind == "text":
            if not isinstance(value, str):
                return "is not text"
            return None if len(value) <= self.max_chars else f"is over {self.max_chars} characters"
        values = list(value) if kind == "many" and isinstance(value, (list, tuple)) else [value]
        if kind == "many" and not isinstance(value, (list, tuple)):
            return "is not a list"
        if self.dynamic:
            return None
        for v in values:
            if v not in self.options:
                return f"is not one of the options ({', '.join(map(self.label_of, self.options))})"
        return None

    def check(self, value: Any, where: str = "") -> None:
        problem = self.problem(value)
        if problem:
            raise ParamError(f"{where}{self.key}={value!r} {problem}")

    def snap(self, value: float) -> float | int:
        """The nearest value on the widget's grid (lo + k * step), clamped to the range."""
        clamped = min(max(value, self.lo), self.hi)
        k = round((clamped - self.lo) / self.step)
        snapped = self.lo + k * self.step
        if snapped > self.hi + 1e-12:
            snapped -= self.step
        if self.kind == "int":
            return int(round(snapped))
        # Round away float noise (0.1 + 2 * 0.05 = 0.20000000000000004): as many decimals
        # as the step and the start have.
        decimals = max(_decimals(self.step), _decimals(self.lo))
        return round(float(snapped), decimals)

    # ---- reading a URL value -----------------------------------------------------------

    def from_url(self, raw: Sequence[str]) -> tuple[list[str] | None, str | None]:
        """Clean the URL value(s) of this parameter.

        Returns (tokens to keep in the URL, or None to drop the parameter; a note for the
        visitor, or None when the value was fine as it was)."""
        raw = [str(r) for r in raw]
        kind = self.kind
        if kind == "many":
            if self.dynamic:
                kept = [r for r in raw if 0 < len(r) <= self.max_chars]
            else:
                labels = {self.label_of(o) for o in self.options}
                kept = [r for r in raw if r in labels]
            kept = list(dict.fromkeys(kept))  # no duplicates, first one wins
            if kept == raw:
                return raw, None
            return (kept or None), "some of its values are not options and were left out"
        if not raw:
            return None, None
        text = raw[-1]
        if kind in ("int", "float"):
            if len(text) > MAX_NUMBER_CHARS:
                return None, "is too long to be a number"
            try:
                value = float(text)
            except ValueError:
                return None, "is not a number"
            if not math.isfinite(value):
                return None, "is not a finite number"
            snapped = self.snap(value)
            token = number_token(snapped)
            if abs(snapped - value) > 1e-9 * max(1.0, abs(value)):
                return [token], (f"was moved to {token}, the nearest value the control "
                                 f"offers ({number_token(self.lo)} to {number_token(self.hi)}"
                                 f" in steps of {number_token(self.step)})")
            return [token], None
        if kind == "flag":
            if text.lower() in ("true", "false"):
                return [text.lower()], None
            return None, "is not true or false"
        if kind == "text":
            if len(text) > self.max_chars:
                return None, f"is longer than {self.max_chars} characters"
            return [text], None
        # a choice
        if self.dynamic:
            if len(text) > self.max_chars:
                return None, f"is longer than {self.max_chars} characters"
            return [text], None
        if text in {self.label_of(o) for o in self.options}:
            return [text], None
        for old, new in self.value_aliases:
            if text == old:
                label = self.label_of(new)
                return [label], f"{old} is no longer offered, so it shows {label}"
        return None, "is not one of the options"


def _decimals(x: float) -> int:
    text = repr(float(x))
    if "e-" in text:
        mantissa, exponent = text.split("e-")
        return int(exponent) + max(len(mantissa.partition(".")[2]), 0)
    return len(text.partition(".")[2].rstrip("0"))


# ---- presets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """A teaching moment: several control values set at once.

    name: the URL id (?preset=name); label: the button text; values: parameter key ->
    value; note: one sentence on what to look at once it is applied.
    """

    name: str
    label: str
    values: dict[str, Any] = field(default_factory=dict)
    note: str = ""


# ---- a page's declaration --------------------------------------------------------------


@dataclass(frozen=True)
class PageSpec:
    """Every parameter and preset of one page. Declaring one checks its presets: a preset
    with an unknown key or a value its control cannot take fails here, at import."""

    url_path: str
    params: tuple[Param, ...]
    presets: tuple[Preset, ...] = ()

    def __post_init__(self) -> None:
        keys = [p.key for p in self.params]
        names = keys + [a for p in self.params for a in p.aliases]
        if len(set(names)) != len(names):
            raise ParamError(f"page {self.url_path}: a parameter key or alias is declared twice")
        preset_names = [p.name for p in self.presets]
        if len(set(preset_names)) != len(preset_names):
            raise ParamError(f"page {self.url_path}: two presets share a name")
        for preset in self.presets:
            self.check_values(preset.values, f"page {self.url_path}, preset {preset.name}: ")

    def __getitem__(self, key: str) -> Param:
        for param in self.params:
            if param.key == key:
                return param
        raise KeyError(f"page {self.url_path} declares no parameter {key!r}")

    def __contains__(self, key: str) -> bool:
        return any(p.key == key for p in self.params)

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.params]

    def preset(self, name: str) -> Preset:
        for preset in self.presets:
            if preset.name == name:
                return preset
        raise KeyError(f"page {self.url_path} has no preset {name!r}")

    def check_values(self, values: Mapping[str, Any], where: str = "") -> None:
        """Raise ParamError naming `where` and the key when a value cannot be set."""
        for key, value in values.items():
            if key not in self:
                raise ParamError(f"{where}unknown parameter {key!r} "
                                 f"(declared: {', '.join(self.keys)})")
            self[key].check(value, where)


def clean_query(spec_params: Iterable[Param],
                query: Mapping[str, Sequence[str]]) -> tuple[dict[str, list[str] | None],
                                                             list[str]]:
    """What to change in a URL's query so every declared parameter holds a value its
    control can take.

    query: URL key -> its values (a repeated key has several). Returns (changes, notes):
    changes maps a key to its cleaned values, or to None to drop it; keys not declared are
    left alone (the page kit's own, or harmless junk nothing reads). An alias moves to
    its parameter's key unless that key is also given.
    """
    changes: dict[str, list[str] | None] = {}
    notes: list[str] = []
    for param in spec_params:
        raw = query.get(param.key)
        for alias in param.aliases:
            if alias in query:
                changes[alias] = None
                if raw is None:
                    raw = query[alias]
                    changes[param.key] = list(raw)
        if raw is None:
            continue
        raw = list(raw)
        cleaned, note = param.from_url(raw)
        if cleaned != raw:
            changes[param.key] = cleaned
        elif param.key in changes:
            changes[param.key] = cleaned
        if note:
            notes.append(f"{param.key}: {note}")
    return changes, notes


# ---- the generated reference -----------------------------------------------------------


def describe(param: Param) -> tuple[str, str, str]:
    """(kind, default, allowed values) of a parameter, as the reference prints them."""
    kind = param.kind
    if kind in ("int", "float"):
        allowed = (f"{number_token(param.lo)} to {number_token(param.hi)}, "
                   f"step {number_token(param.step)}")
        if param.dynamic:
            allowed += " (narrowed by the page)"
        default = "depends on the data" if param.dynamic else number_token(param.default)
        return ("whole number" if kind == "int" else "number"), default, allowed
    if kind == "flag":
        return "true/false", str(param.default).lower(), "true, false"
    if kind == "text":
        return "text", repr(param.default), f"up to {param.max_chars} characters"
    labels = [param.label_of(o) for o in param.options]
    if param.dynamic:
        allowed = "from the data on the page"
        default = "the first" if param.default is None else str(param.default)
    else:
        allowed = ", ".join(labels)
        if kind == "many":
            default = ", ".join(param.label_of(v) for v in param.default) or "none"
        else:
            default = "none" if param.default is None else param.label_of(param.default)
    return ("choice" if kind == "choice" else "choices (repeat the key)"), default, allowed


def reference_markdown(specs: Sequence[PageSpec]) -> str:
    """A table per page of every URL parameter: key, what it sets, kind, default, values."""
    lines = []
    for spec in specs:
        lines += [f"### /{spec.url_path}", "",
                  "| key | what it sets | kind | default | values |",
                  "|---|---|---|---|---|"]
        for param in spec.params:
            kind, default, allowed = describe(param)
            label = param.label.replace("|", "\\|")
            key = param.key + "".join(f" (old: {a})" for a in param.aliases)
            allowed += "".join(f" (old: {old} → {param.label_of(new)})"
                               for old, new in param.value_aliases)
            lines.append(f"| `{key}` | {label} | {kind} | {default} | "
                         f"{allowed.replace('|', '/')} |")
        if spec.presets:
            names = ", ".join(f"`{p.name}`" for p in spec.presets)
            lines += ["", f"Presets (`?preset=`): {names}."]
        lines.append("")
    return "\n".join(lines)
