"""Extracts the hand-computed test vectors of keras-rs, TensorFlow Ranking and ranx into JSON.

    python tests/compat/extract.py --keras-rs PATH --tf-ranking PATH --ranx PATH [--out tests/compat]

PATH is a checkout or a git directory (read at HEAD). Nothing is parsed by hand: each
library's test module is executed with its metric replaced by a recorder that notes
every input the test feeds it, and with the test's assertion replaced by one that notes
the value the test asserts. Each assertion becomes one case, with its provenance
(repository, file, test name, commit). A test that cannot be recorded this way is kept
as a case with ``"expressible": false`` and the reason, never dropped. TensorFlow Ranking
no longer imports on recent TensorFlow, so its tests run against recording stand-ins for
``metrics_impl``, ``metrics`` and ``keras.metrics``; keras-rs and ranx run for real (both must be installed).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _recording import HERE, Source  # noqa: E402
from extract_keras_rs import extract_keras_rs  # noqa: E402
from extract_ranx import extract_ranx  # noqa: E402
from extract_tf_ranking import extract_tf_ranking  # noqa: E402
from extract_tf_ranking_losses import extract_tf_ranking_losses  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keras-rs", help="keras-team/keras-rs checkout or git dir")
    parser.add_argument("--tf-ranking", help="tensorflow/ranking checkout or git dir")
    parser.add_argument("--ranx", help="AmenRa/ranx checkout or git dir")
    parser.add_argument("--out", default=HERE)
    args = parser.parse_args(argv)
    jobs = [
        ("keras_rs", args.keras_rs, "keras-team/keras-rs", extract_keras_rs),
        ("tf_ranking", args.tf_ranking, "tensorflow/ranking", extract_tf_ranking),
        ("tf_ranking_losses", args.tf_ranking, "tensorflow/ranking", extract_tf_ranking_losses),
        ("ranx", args.ranx, "AmenRa/ranx", extract_ranx),
    ]
    for name, path, repository, extract in jobs:
        if not path:
            continue
        cases, extra = extract(Source(path, repository)), {}
        if isinstance(cases, tuple):  # the losses: (cases, tests of losses tfrank does not have)
            cases, extra = cases[0], {"out_of_scope": cases[1]}
        # The counts the suite asserts, so that no case can go missing unnoticed.
        counts = {"cases": len(cases), "not_expressible": sum(1 for c in cases if c.get("expressible") is False)}
        with open(os.path.join(args.out, f"{name}.json"), "w", encoding="utf-8") as f:
            json.dump({"library": name, "counts": counts, "cases": cases, **extra}, f, indent=1)
        print(f"{name}: {counts}")


if __name__ == "__main__":
    main()
