"""Redraws a demo's plot from its results.json: docs/demo.png and docs/fraud-demo.png.

The sample outputs in docs/demo.md and docs/budget.md come from one run each of
``tfrank demo`` and ``tfrank demo --task fraud``; their plots are those runs' search.png,
which this script draws again from the results.json beside it (every search, its trial
comparison, the baselines and ceiling), without training again:

    python docs/scripts/demo_plot.py tfrank-demo/ranking/results.json docs/demo.png
    python docs/scripts/demo_plot.py tfrank-demo/fraud/results.json docs/fraud-demo.png
"""

import json
import sys


def searches(results):
    """Every search of a results.json, the first one first (``compare`` holds the others)."""
    first = {name: value for name, value in results.items() if name != "compare"}
    return [first, *results.get("compare", {}).values()]


def main(source, target):
    from tfrank.apps import report

    with open(source, encoding="utf-8") as f:
        results = json.load(f)
    report.plot(searches(results), target, baselines=results.get("baselines"), ceiling=results.get("ceiling"))
    print(f"{target}: {len(searches(results))} search(es) of {source}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
