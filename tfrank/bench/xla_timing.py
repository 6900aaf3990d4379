"""Timing for the XLA replay: interleaved rounds of back-to-back launches, and torch's baseline.

NumPy only at import (torch is imported when present); copied into every bundle beside
``xla_replay.py``.
"""

import glob
import statistics
import tempfile
import time

try:  # run as a script (copied into a bundle) or imported from the tfrank package
    import xla_inputs
except ImportError:  # pragma: no cover - the package import path
    from tfrank.bench import xla_inputs


def sample(call, sync, number):
    started = time.perf_counter()
    for _ in range(number):
        result = call()
    sync(result)
    return (time.perf_counter() - started) / number


def measure(runners, rounds, min_sample):
    """``{name: {"median": s, "samples": [...], "number": n}}``, rounds interleaved."""
    plan = {}
    for name, (call, sync) in runners.items():
        sample(call, sync, 1)  # warm: first launch, allocator
        one = sample(call, sync, 1)
        plan[name] = {"number": max(1, int(min_sample / max(one, 1e-7))), "samples": []}
    names = list(runners)
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            plan[name]["samples"].append(sample(*runners[name], plan[name]["number"]))
    for entry in plan.values():
        entry["median"] = statistics.median(entry["samples"])
    return plan


def device_time(jax, call, sync, launches=20):
    """``(seconds, kernels)`` per launch on the device, from a profiler trace of ``launches``
    back-to-back launches: the summed duration and the number of the device's events (kernels,
    copies); None where the trace has no GPU plane (a CPU). Unlike the wall-clock medians it
    leaves out the host's cost of a launch, which bounds programs shorter than it."""
    with tempfile.TemporaryDirectory() as folder:
        with jax.profiler.trace(folder):
            for _ in range(launches):
                result = call()
            sync(result)
        traces = glob.glob(f"{folder}/**/*.xplane.pb", recursive=True)
        if not traces:
            return None
        data = jax.profiler.ProfileData.from_file(traces[0])
        events = [event for plane in data.planes if plane.name.startswith("/device:GPU")
                  for line in plane.lines if line.name.startswith("Stream") for event in line.events]
    if not events:
        return None
    return sum(event.duration_ns for event in events) * 1e-9 / launches, len(events) / launches


def torch_runners(records, cache, device):
    """torch.topk + gather (what a torch user writes) and a torch read pass, on the jax device's platform."""
    try:
        import torch
    except ImportError:
        return {}, None
    where = "cuda" if device.platform == "gpu" and torch.cuda.is_available() else "cpu"
    first = next(r for r in records if r["program"] == "top_k_gather")
    read = next((r for r in records if r["program"] == "read_pass"), None)
    recipes = {p["recipe"]["part"]: p["recipe"] for p in first["parameters"]}
    scores = torch.from_numpy(xla_inputs.make(recipes["scores"], cache)).to(where)
    dense = torch.from_numpy(xla_inputs.make(recipes["dense"], cache)).to(where)
    k = first["size"]["k"]

    def sync(_):
        if where == "cuda":
            torch.cuda.synchronize()

    def top_k_gather():
        return torch.gather(dense, 1, torch.topk(scores, k, dim=1).indices).sum(dim=1) / k

    def read_pass():
        return scores.amax(dim=1)

    runners = {"torch_read_pass": (read_pass, sync), "torch_topk_gather": (top_k_gather, sync)}
    checks = [("torch_topk_gather", top_k_gather().cpu().numpy(), first)]
    checks += [("torch_read_pass", read_pass().cpu().numpy(), read)] if read else []
    return runners, (checks, f"torch {torch.__version__} on {where}")
