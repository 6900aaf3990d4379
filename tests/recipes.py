"""The README's recipes, read from the README itself so that tests run them as written.

A recipe is the fenced ``python`` block right after a line ``<!-- recipe: NAME ... -->``.
The names it leaves to the reader (``build_model``, ``make_datasets``, ...) come from a
small prelude in the test; the recipe's own lines run unchanged.
"""

import os
import re

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def recipe(name):
    """The code of recipe ``name`` in README.md (raises if there is none, or several)."""
    with open(README) as f:
        text = f.read()
    found = re.findall(rf"<!-- recipe: {re.escape(name)}\b[^>]*-->\n```python\n(.*?)```", text, flags=re.S)
    if len(found) != 1:
        raise LookupError(f"README.md has {len(found)} recipes named {name!r}")
    return found[0]
