"""Write docs/url-parameters.md from the pages' parameter declarations.

Run `make reference` (or this file) after changing a page's parameters;
tests/test_params.py fails while the file is out of date."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explorer import course, params  # noqa: E402

TARGET = ROOT / "docs" / "url-parameters.md"

HEADER = """# URL parameters of every page

Generated from the pages' declarations (`explorer/*_spec.py`) by
`tools/params_reference.py`; do not edit by hand (`make reference` rewrites it).

Every control of every page is in the URL: `/gradient_descent?lr=0.5&opt=Momentum` opens
the gradient descent page with those two settings and the defaults for the rest. A value
equal to the default is left out of the URL. A value the control cannot take is changed
before the page is drawn, and the page says so: a number is moved to the nearest value on
its control's range and step; a number that is not finite or too long, a choice that is
not an option, and a text over its length limit are dropped. Old names of a parameter are
still read (shown as "old:").

On every page: `present=true` (presentation mode), `preset=<name>` (a teaching moment,
listed under each table).

"""


def render() -> str:
    specs = [course.page_spec(page.url_path) for page in course.LEARNING_PATH]
    return HEADER + params.reference_markdown(specs)


if __name__ == "__main__":
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(render())
    print(f"wrote {TARGET.relative_to(ROOT)}")
