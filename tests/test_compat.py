"""The peers' own test vectors (tests/compat/*.json, written by tests/compat/extract.py) through tfrank.

Every case that tfrank can express must agree with the value the peer's test asserts,
with the options docs/metrics.md names for that library; keras-rs and ranx also recompute
each vector themselves, which proves the extraction. The counts must match what the
extraction declared, so no case goes missing, and docs/metrics.md quotes the summary table.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "compat"))
import compat  # noqa: E402

PAGE = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "metrics.md")
RESULTS = {}


def results(library):
    if library not in RESULTS:
        RESULTS[library] = compat.evaluate(library)
    return RESULTS[library]


@pytest.mark.parametrize("library", compat.LIBRARIES)
def test_every_case_is_counted(library):
    cases, counts = compat.load(library, counts=True)
    assert len(cases) == counts["cases"]
    assert sum(1 for c in cases if c.get("expressible") is False) == counts["not_expressible"]
    for case in cases:
        assert {"repository", "file", "test", "commit", "metric"} <= set(case), case
        if case.get("expressible") is False:
            assert case["reason"], case  # a case tfrank cannot express says why


@pytest.mark.parametrize("library", compat.LIBRARIES)
def test_tfrank_agrees_on_every_expressible_case(library):
    wrong = [compat.case_id(case) for case, expressible, agree, _ in results(library) if expressible and not agree]
    assert not wrong


@pytest.mark.parametrize("library", [name for name in compat.LIBRARIES if compat.RUNNERS[name][1]])
def test_the_library_itself_gives_the_extracted_values(library):
    wrong = [compat.case_id(case) for case, expressible, _, itself in results(library) if expressible and not itself]
    assert not wrong


def test_the_metrics_page_quotes_the_summary_table():
    table = compat.summary({library: results(library) for library in compat.LIBRARIES})
    print("\n" + table)
    with open(PAGE, encoding="utf-8") as f:
        assert table in f.read()
