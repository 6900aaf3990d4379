"""The ```python examples of README.md and docs/*.md that no test runs as a whole.

The ``>>>`` examples run as doctests (``--doctest-glob='*.md'``), the recipes of
docs/scaling-out.md run in tests/test_recipes.py, the README's "Example" in
tests/test_readme.py and its "Use" block in tests/test_losses_fit.py. The other blocks are fragments (they leave ``model``,
``build_model``, ``x`` to the reader): each must parse, every ``tfrank.`` name it uses must
exist, and every objective it names must be one that ``tfrank.objective`` accepts.
"""

import ast
import pathlib
import re

import pytest

import tfrank

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def fragments():
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r"(<!-- recipe: [^>]*-->\n)?```python\n(.*?)```", text, flags=re.S):
            code = match.group(2)
            if match.group(1) or code.lstrip().startswith(">>>"):
                continue
            line = text.count("\n", 0, match.start()) + 1
            yield pytest.param(code, id=f"{page.relative_to(ROOT)}:{line}")


def dotted(node):
    """``tfrank.a.b`` for an attribute chain rooted at the name ``tfrank``, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join(["tfrank", *reversed(parts)]) if isinstance(node, ast.Name) and node.id == "tfrank" else None


def test_the_pages_have_fragments_to_check():
    assert len(list(fragments())) >= 10


@pytest.mark.parametrize("code", fragments())
def test_fragment_parses_and_names_only_what_tfrank_has(code):
    tree = ast.parse(code)
    names = {dotted(node) for node in ast.walk(tree) if isinstance(node, ast.Attribute)} - {None}
    for name in sorted(names):
        obj = tfrank
        for part in name.split(".")[1:]:
            assert hasattr(obj, part), f"{name}: tfrank has no {part!r} there"
            obj = getattr(obj, part)
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "objective" and isinstance(node.value, ast.Constant):
            tfrank.objective(node.value.value)  # a plain string: tfrank.tuners turns it into this
        if isinstance(node, ast.Call) and dotted(node.func) == "tfrank.objective":
            tfrank.objective(node.args[0].value)
