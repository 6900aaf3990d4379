"""A griffe extension for the API reference: fence the doctests of every docstring.

tfrank's docstrings hold their examples as bare ``>>>`` lines (checked by
``pytest --doctest-modules``); Markdown would read each ``>`` as a quote. Each run of lines
from a ``>>>`` line to the next blank line becomes a ``pycon`` code block.
"""

import griffe


def fence_doctests(text):
    """``text`` with each doctest (``>>>`` at the margin, up to a blank line) in a pycon fence."""
    out, lines, i, fenced = [], text.split("\n"), 0, False
    while i < len(lines):
        if lines[i].startswith("```"):
            fenced = not fenced
        if fenced or not lines[i].startswith(">>>"):
            out.append(lines[i])
            i += 1
            continue
        out.append("```pycon")
        while i < len(lines) and lines[i].strip():
            out.append(lines[i])
            i += 1
        out.append("```")
    return "\n".join(out)


class FenceDoctests(griffe.Extension):
    """Rewrites each object's docstring as it is loaded (source read statically, no import)."""

    def on_instance(self, *, obj, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
