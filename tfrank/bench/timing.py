"""Timing: interleaved repeats and medians, so that load on a shared machine hits every
implementation alike instead of whichever happened to run during a burst.

One sample = ``number`` back-to-back calls divided by ``number`` (``number`` chosen so
that a sample lasts at least ``min_sample`` seconds). Round r runs one sample of every
implementation, in an order rotated by r; the figure is the median over rounds. Slow
implementations get fewer rounds (at least one) so that none takes more than
``budget`` seconds of a case.
"""

import dataclasses
import statistics
import time


@dataclasses.dataclass(frozen=True)
class Limits:
    """What the harness may spend: per-case time, per-call time, memory of one input."""

    repeats: int = 7
    min_sample: float = 0.02  # seconds per sample (fast calls are repeated within it)
    budget: float = 1.0  # seconds of samples per implementation and case
    max_call: float = 5.0  # a NumPy call estimated longer than this is skipped
    max_bytes: float = 2 * 2**30  # a [B, K, N] float32 one-hot larger than this is skipped


def seconds(call, number=1):
    start = time.perf_counter()
    for _ in range(number):
        call()
    return (time.perf_counter() - start) / number


def estimate(small, large, rows, batch):
    """Seconds of a call over ``batch`` lists, from calls over 1 and ``rows`` lists (a line through both:
    per-call overhead plus a cost per list)."""
    one, many = seconds(small), seconds(large)
    per_list = (many - one) / (rows - 1) if rows > 1 and many > one else many / rows
    return many + per_list * (batch - rows)


def measure(runners, limits):
    """Median seconds per call of each runner, interleaved: ``{name: {"median": s, "rounds": n, ...}}``.

    TF runners must have been called once already (tracing, XLA compilation). One
    calibration call picks ``number``; when that is 1 (a slow call) it is the first sample.
    """
    plan = {}
    for name, runner in runners.items():
        one = seconds(runner.call)
        number = max(1, int(limits.min_sample / max(one, 1e-9)))
        rounds = max(1, min(limits.repeats, int(limits.budget / max(one * number, 1e-9))))
        plan[name] = {"number": number, "rounds": rounds, "samples": [one] if number == 1 else []}
    names = list(runners)
    for r in range(max((p["rounds"] for p in plan.values()), default=0)):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            entry = plan[name]
            if len(entry["samples"]) < entry["rounds"]:
                entry["samples"].append(seconds(runners[name].call, entry["number"]))
    for entry in plan.values():
        entry["median"] = statistics.median(entry["samples"])
    return plan
