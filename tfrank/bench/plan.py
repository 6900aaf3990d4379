"""Which cases a run measures.

The standard plan varies one factor at a time around the headline case of the issue
(B=1024 lists, N=10,000 items, K=10, R=5 relevant per list, graph mode): list length N
from 100 to 1,000,000 for dense and ids labels, the mode (eager / tf.function / XLA),
K, R and B for ids labels, and class ids (R=1) in every mode; at N = 100 and 1,000 also
B = 8,192 (the seed's regime: hundreds of classes, large batches). At large N the batch
shrinks so that B * N stays within ``max_elements`` (a power of two), which keeps the
slowest peers and the machine's memory in bounds; the plots therefore show time per list.

Giving any of the size options instead runs their full cartesian product.
"""

from tfrank.bench.data import Case
from tfrank_cli.bench import MODES  # the names --modes accepts: every mode

HEADLINE = {"batch": 1024, "items": 10_000, "k": 10, "relevant": 5}
ITEMS = (100, 1_000, 10_000, 100_000, 1_000_000)
SWEEPS = {"k": (1, 10, 100), "relevant": (1, 5, 50), "batch": (128, 1024)}
QUICK = {"batch": (8,), "items": (64, 256), "k": (5,), "relevant": (3,)}
MAX_ELEMENTS = 2**24
SEED_BATCH, SEED_ITEMS = 8192, (100, 1_000)  # the seed's regime: large batches, hundreds of classes


def capped_batch(batch, items, max_elements=MAX_ELEMENTS):
    """``batch``, or the largest power of two with ``batch * items <= max_elements`` (at least 1)."""
    if batch * items <= max_elements:
        return batch
    cap = 1
    while cap * 2 * items <= max_elements:
        cap *= 2
    return min(batch, cap)


def standard(max_elements=MAX_ELEMENTS):
    """The default plan, ordered so that cases sharing inputs are adjacent."""
    h = HEADLINE
    cases = []

    def add(fmt, mode="graph", **changes):
        size = {**h, **changes}
        size["batch"] = capped_batch(size["batch"], size["items"], max_elements)
        case = Case(size["batch"], size["items"], size["k"], size["relevant"], fmt, mode)
        if case not in cases:
            cases.append(case)

    for fmt in ("dense", "ids"):
        for items in ITEMS:
            add(fmt, items=items)
            if items in SEED_ITEMS:
                add(fmt, items=items, batch=SEED_BATCH)
            if items == h["items"]:
                for mode in MODES:
                    add(fmt, mode=mode)
    for name, values in SWEEPS.items():
        for value in values:
            add("ids", **{name: value})
    for mode in MODES:
        add("class", mode=mode, relevant=1)
    return cases


def product(batches, items, ks, relevants, formats, modes, max_elements=None):
    """Every combination (class format: R=1 only; K > N is skipped: P@K's peers differ there)."""
    cases = []
    for fmt in formats:
        for n in items:
            for b in batches:
                b = capped_batch(b, n, max_elements) if max_elements else b
                for k in ks:
                    for r in relevants:
                        if k > n or r > n or (fmt == "class" and r != 1 and 1 in relevants):
                            continue
                        for mode in modes:
                            case = Case(b, n, k, 1 if fmt == "class" else r, fmt, mode)
                            if case not in cases:
                                cases.append(case)
    return cases


def quick():
    """Tiny sizes for the smoke test: every format in graph mode, every mode for ids, two N."""
    q = QUICK
    cases = product(q["batch"], q["items"][:1], q["k"], q["relevant"], ("dense", "ids", "class"), ("graph",))
    cases += product(q["batch"], q["items"][:1], q["k"], q["relevant"], ("ids",), ("eager", "xla"))
    return cases + product(q["batch"], q["items"][1:], q["k"], q["relevant"], ("dense",), ("graph",))
