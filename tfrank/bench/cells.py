"""Runs the comparison: every implementation on the same inputs, case by case.

For each case the inputs are drawn once, converted to tensors once on the chosen
device, every implementation is built, called and checked against the others, then
timed in interleaved rounds (`tfrank.bench.timing`). NumPy implementations do not
depend on the TF mode, so cases that differ only in mode share their NumPy timings.
"""

from tfrank.bench import data, impls, timing

ESTIMATE_ROWS = 8  # lists used to estimate a NumPy call before running it on the whole batch
TOLERANCE = 1e-5  # agreement of mean P@K between implementations (float32 sums)


def to_tensors(inputs, case, device, wanted):
    """y_pred, y_true in the case's format and, when a wanted peer needs them, dense labels."""
    import tensorflow as tf

    with tf.device(device):
        tensors = {"y_pred": tf.constant(inputs.scores), "y_true": tf.constant(inputs.y_true)}
        if any(impls.BY_NAME[name].dense_only for name in wanted):
            tensors["dense"] = tensors["y_true"] if case.fmt == "dense" else tf.constant(inputs.dense)
    return tensors


def _build(impl, case, inputs, tensors, limits, device):
    import tensorflow as tf

    if impl.kind == "numpy":
        rows = min(case.batch, ESTIMATE_ROWS)
        small, large = (impl.build(case, inputs.rows(n), None, limits) for n in (1, rows))
        guess = timing.estimate(small.call, large.call, rows, case.batch)
        if guess > limits.max_call:
            raise impls.Skip(f"about {guess:.0f} s per call (estimated from 1 and {rows} lists) "
                             f"> --max-call-seconds {limits.max_call:g}")
        return impl.build(case, inputs, None, limits)
    with tf.device(device):
        runner = impl.build(case, inputs, tensors, limits)
        runner.call()  # trace, compile, first touch; also the first value
        return runner


def _row(case, measured, values, skipped, shared):
    seconds = {name: entry["median"] for name, entry in measured.items()}
    read = seconds.get("read_pass")
    mine = seconds.get("tfrank")
    checked = {name: v for name, v in values.items() if v is not None}
    truth = next((checked[n] for n in ("reference", "numpy_argsort_loop", "numpy_argpartition") if n in checked),
                 checked.get("tfrank"))
    agree = all(abs(v - truth) <= TOLERANCE for v in checked.values())
    return {
        "batch": case.batch, "items": case.items, "k": case.k, "relevant": 1 if case.fmt == "class" else case.relevant,
        "format": case.fmt, "mode": case.mode,
        "seconds": seconds,
        "time_over_read_pass": {n: s / read for n, s in seconds.items()} if read else {},
        "peer_over_tfrank": {n: s / mine for n, s in seconds.items() if n != "tfrank"} if mine else {},
        "rounds": {name: entry["rounds"] for name, entry in measured.items()},
        "values": checked, "agree": agree, "skipped": skipped,
        "numpy_timed_with_mode": shared,
    }


def run_case(case, inputs, wanted, limits, device, numpy_cache, say):
    """One case: builds, checks and times every wanted implementation; returns a result row."""
    runners, values, skipped, measured = {}, {}, {}, {}
    cached = numpy_cache.get(case.data_key())
    tensors = to_tensors(inputs, case, device, wanted)
    for name in wanted:
        impl = impls.BY_NAME[name]
        if impl.kind == "numpy" and cached is not None:
            continue
        try:
            runners[name] = _build(impl, case, inputs, tensors, limits, device)
        except impls.Skip as why:
            skipped[name] = str(why)
            say(f"    {impl.title}: skipped ({why})")
        except Exception as err:  # a peer that breaks on a case is reported, not fatal
            skipped[name] = f"failed: {type(err).__name__}: {str(err).splitlines()[0][:200]}"
            say(f"    {impl.title}: {skipped[name]}")
    import tensorflow as tf

    with tf.device(device):
        measured = timing.measure(runners, limits)
    for name, runner in runners.items():
        values[name] = runner.value()
    if cached is None:
        numpy_names = [n for n in wanted if impls.BY_NAME[n].kind == "numpy"]
        cached = {
            "mode": case.mode,
            "measured": {n: measured[n] for n in numpy_names if n in measured},
            "values": {n: values[n] for n in numpy_names if n in values},
            "skipped": {n: skipped[n] for n in numpy_names if n in skipped},
        }
        numpy_cache[case.data_key()] = cached
        shared = None
    else:
        measured.update(cached["measured"])
        values.update(cached["values"])
        skipped.update(cached["skipped"])
        shared = cached["mode"]
    row = _row(case, measured, values, skipped, shared)
    say(_summary(row))
    return row


def _summary(row):
    parts = []
    for name in impls.BY_NAME:
        if name in row["seconds"]:
            ratio = row["time_over_read_pass"].get(name)
            shown = f"{row['seconds'][name] * 1e3:.3g} ms" + (f" ({ratio:.1f}x read)" if ratio else "")
            parts.append(f"{impls.BY_NAME[name].title} {shown}")
    verdict = "all agree" if row["agree"] else "VALUES DISAGREE: " + str(row["values"])
    value = next(iter(row["values"].values()), float("nan"))
    return "    " + "; ".join(parts) + f"\n    P@K = {value:.4f}, {verdict}"


def run(cases, wanted, limits, device, say=print, seed=0):
    """Runs ``cases`` in order (cases sharing inputs should be adjacent); returns the rows."""
    rows, numpy_cache, inputs, key = [], {}, None, None
    for i, case in enumerate(cases, 1):
        say(f"[{i}/{len(cases)}] {case.label()}")
        if case.data_key() != key:
            inputs, key = data.make_inputs(case, seed), case.data_key()
        rows.append(run_case(case, inputs, wanted, limits, device, numpy_cache, say))
    return rows


def check_agreement(rows):
    """The rows whose implementations disagree on the value (should be none)."""
    return [row for row in rows if not row["agree"]]

