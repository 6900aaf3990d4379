"""The documentation's recipes, read from the page itself so that tests run them as written.

A recipe is the fenced ``python`` block right after a line ``<!-- recipe: NAME ... -->``.
The names it leaves to the reader (``build_model``, ``make_datasets``, ...) come from a
small prelude in the test; the recipe's own lines run unchanged.
"""

import os
import re

PAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "scaling-out.md")


def recipe(name):
    """The code of recipe ``name`` in docs/scaling-out.md (raises if there is none, or several)."""
    with open(PAGE, encoding="utf-8") as f:
        text = f.read()
    found = re.findall(rf"<!-- recipe: {re.escape(name)}\b[^>]*-->\n```python\n(.*?)```", text, flags=re.S)
    if len(found) != 1:
        raise LookupError(f"docs/scaling-out.md has {len(found)} recipes named {name!r}")
    return found[0]
