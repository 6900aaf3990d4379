"""TF-Ranking's own loss test vectors (tests/compat/tf_ranking_losses.json, written by
tests/compat/extract.py) through tfrank.

Every case tfrank can express must agree with the value TF-Ranking's test asserts, within
that test's tolerance; the others carry the reason; the counts match what the extraction
declared, and the migration guide (docs/tf-ranking.md) quotes the summary table.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "compat"))
import compat_losses  # noqa: E402

PAGE = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "tf-ranking.md")
RESULTS = []


def results():
    if not RESULTS:
        RESULTS.extend(compat_losses.evaluate())
    return RESULTS


def test_every_case_is_counted_with_its_provenance():
    data = compat_losses.load(full=True)
    cases, counts = data["cases"], data["counts"]
    assert len(cases) == counts["cases"]
    assert sum(1 for c in cases if c.get("expressible") is False) == counts["not_expressible"]
    for case in cases:
        assert {"repository", "file", "test", "commit", "loss", "expected"} <= set(case), case
        if case.get("expressible") is False:
            assert case["reason"], case  # a case tfrank cannot express says why
    assert counts["cases"] - counts["not_expressible"] >= 130  # the Keras losses' vectors, mostly
    assert data["out_of_scope"]  # tests of losses tfrank does not have, by name


def test_tfrank_agrees_on_every_expressible_case():
    wrong = [compat_losses.case_id(case) for case, expressible, agree in results() if expressible and not agree]
    assert not wrong


def test_the_migration_guide_quotes_the_summary_table():
    table = compat_losses.summary(results())
    print("\n" + table)
    with open(PAGE, encoding="utf-8") as f:
        assert table in f.read()
