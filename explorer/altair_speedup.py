"""Makes Altair's chart building several times faster by reusing one schema lookup table.

Altair 6.3 turns every encoding given as a string or dict (`x="epoch:Q"`) into a channel
object with `SchemaBase.from_dict`, and each call first builds a table from the JSON hash of
every one of its several hundred schema classes: most of a chart's building time. Under a
class's load (bench/load.py) that was a quarter of the server's CPU on the chart-heavy
pages. The table depends only on the set of schema classes, which is fixed once Altair is
imported, so one table per class family serves every call. Output is unchanged;
tests/test_altair_speedup.py compares specs built with and without it.
"""

from __future__ import annotations

from altair.utils import schemapi

_original_from_dict = schemapi.SchemaBase.from_dict.__func__
_converters: dict = {}


def _from_dict(cls, dct, validate: bool = True):
    if validate:
        cls.validate(dct)
    # Every Vega-Lite class shares one `_default_wrapper_classes` function, so it names the
    # family of classes the table is built from.
    family = cls._default_wrapper_classes.__func__
    converter = _converters.get(family)
    if converter is None:
        converter = _converters[family] = schemapi._FromDict(cls._default_wrapper_classes())
    return converter.from_dict(dct, cls)


def install() -> None:
    schemapi.SchemaBase.from_dict = classmethod(_from_dict)


def uninstall() -> None:
    """For tests: back to Altair's own `from_dict`."""
    schemapi.SchemaBase.from_dict = classmethod(_original_from_dict)
    _converters.clear()
