"""Redraws docs/demo.png from the trials of the sample run printed in docs/demo.md.

The "What a run prints" section of docs/demo.md shows one run of ``tfrank demo``; this script
feeds its trial table to ``tfrank.apps.demo.plot`` with the baselines of the same validation
lists (``tfrank.apps.demo.baselines``: random scores, L1 pixel distance), so the plot matches
the sample without training again. Run: ``python docs/scripts/demo_plot.py``.
"""

import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = os.path.join(HERE, "..", "demo.md")
NAMES = ("layers", "units", "dropout", "learning_rate")


def sample_trials(text):
    """The rows ``| trial | layers | units | dropout | learning_rate | score | best |`` of the sample."""
    section = text[text.index("## What a run prints"):text.index("![val_precision_at_3 per trial")]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip(" *") for cell in line.strip().strip("|").split("|")]
        if len(cells) == 7 and re.fullmatch(r"\d+", cells[0]):
            values = [int(cells[1]), int(cells[2]), float(cells[3]), float(cells[4])]
            rows.append({"trial": int(cells[0]), "status": "COMPLETED", "score": float(cells[5]),
                         "hyperparameters": dict(zip(NAMES, values))})
    return rows


def main():
    from tfrank.apps import data, demo

    with open(PAGE, encoding="utf-8") as f:
        trials = sample_trials(f.read())
    result = {"tuner": "bayesian", "objective": "val_precision_at_3", "num_initial_points": 3, "trials": trials}
    baselines = demo.baselines(data.load_digits(seed=0), "precision", 3)
    print(f"{len(trials)} trials; baselines {baselines}")
    demo.plot([result], os.path.join(HERE, "..", "demo.png"), baselines=baselines)


if __name__ == "__main__":
    main()
