"""Replays an exported bundle of tfrank's XLA programs with jaxlib: values checked, then timed.

Needs NumPy and jax/jaxlib only (no TensorFlow, no tfrank): copy ``xla_replay.py``,
``xla_inputs.py`` and ``xla_report.py`` anywhere (the exporter puts them in the bundle)
and run ``python xla_replay.py BUNDLE --out DIR``. For each program it converts the HLO
to StableHLO, compiles it for the first device, regenerates its inputs from their
recipes, checks its outputs against TensorFlow's and times it. Train steps donate
their variables, so each step's outputs feed the next step's parameters.

Timing: one sample is ``number`` back-to-back launches, waited on once, divided by
``number``; round r times one sample of every program of a group (same input shape),
in an order rotated by r; the figure is the median over rounds, reported as a ratio
to the group's read pass (train steps: to the step without metrics). With torch
importable, ``torch.topk`` + ``gather`` and a torch read pass join the rounds, on the
first jax device's platform (``cuda`` on a GPU). Writes ``results.json``,
``results.md`` and, with matplotlib, ``ratios.png`` to ``--out``; exits 1 when a
program's values disagree with TensorFlow's.
"""

import argparse
import json
import os
import platform
import re
import sys
import time

import numpy as np

try:  # run as a script (copied into a bundle) or imported from the tfrank package
    import xla_inputs
    import xla_report
    import xla_timing
except ImportError:  # pragma: no cover - the package import path
    from tfrank.bench import xla_inputs, xla_report, xla_timing


# === jaxlib: the few internal entry points used, tolerant of 0.10 and 0.11 ===


def backend():
    """``(jax, xla_client, device)``; 64-bit types on, as train steps count steps in int64."""
    import jax

    jax.config.update("jax_enable_x64", True)
    from jax._src.lib import xla_client

    return jax, xla_client, jax.devices()[0]


def _extension(xla_client):
    """jaxlib's compiled extension: ``xla_client._xla`` (0.10, 0.11), else ``jaxlib._jax``."""
    extension = getattr(xla_client, "_xla", None)
    if extension is None:
        import jaxlib._jax as extension
    return extension


def compile_hlo(xla_client, device, serialized):
    """A loaded executable for ``device`` from a serialized HloModuleProto."""
    extension = _extension(xla_client)
    mlir = extension.mlir.hlo_to_stablehlo(serialized)
    client, options = device.client, xla_client.CompileOptions()
    load = getattr(client, "compile_and_load", None) or client.compile
    device_list = getattr(xla_client, "DeviceList", None) or extension.DeviceList
    try:
        return load(mlir, device_list((device,)), options)
    except TypeError:  # an older signature that takes a plain sequence of devices
        return load(mlir, [device], options)


def execute(executable, arrays):
    """Runs on one device; returns the output arrays (``execute`` where it exists, as in 0.10 and
    0.11; newer jaxlibs only have ``execute_sharded``)."""
    if hasattr(executable, "execute"):
        return executable.execute(list(arrays))
    return _unpack(executable.execute_sharded(list(arrays)))


def _unpack(results):
    return [per_device[0] for per_device in results.disassemble_into_single_device_arrays()]


def wait(outputs):
    if hasattr(outputs, "disassemble_into_single_device_arrays"):  # see Program.launch
        outputs = _unpack(outputs)
    for output in outputs:
        output.block_until_ready()


def kernel_count(executable):
    """Kernels the compiled program launches, about: its fusions and library calls (cuBLAS,
    ...) in the optimized module (a loop's body counted once); None where jaxlib does not
    show the module. On a short train step this count matters as much as bytes read."""
    try:
        text = "\n".join(module.to_string() for module in executable.hlo_modules())
    except Exception:  # noqa: BLE001 - an optional figure
        return None
    return len(re.findall(r"\s(?:fusion|custom-call)\(", text))


# === Checking values ===


def compare(actual, entry, expected, tolerance):
    """``None`` when ``actual`` matches TensorFlow's record ``entry``, else what differs."""
    actual = np.asarray(actual)
    if list(actual.shape) != entry["shape"]:
        return f"shape {list(actual.shape)} != TensorFlow's {entry['shape']}"
    if "stored" in entry:
        want = expected[entry["stored"]]
        if np.allclose(actual, want, rtol=tolerance, atol=tolerance, equal_nan=True):
            return None
        diff = np.abs(actual.astype(np.float64) - want.astype(np.float64))
        return f"max |difference| {np.nanmax(diff):.3g} at {np.unravel_index(np.nanargmax(diff), diff.shape)}"
    got, want = xla_inputs.checksum(actual), entry["checksum"]
    if np.allclose(got, want, rtol=tolerance, atol=tolerance):
        return None
    return f"checksum {got} != TensorFlow's {want}"


class Program:
    """One compiled program with its inputs on the device (train steps: their running state)."""

    def __init__(self, record, bundle, env, cache):
        jax, xla_client, device = env
        self.record, self.name = record, record["name"]
        with open(os.path.join(bundle, record["hlo"]), "rb") as hlo:
            started = time.perf_counter()
            self.executable = compile_hlo(xla_client, device, hlo.read())
            self.compile_seconds = time.perf_counter() - started
        self.kernels = kernel_count(self.executable)
        self.host = []
        for parameter in record["parameters"]:
            array = xla_inputs.make(parameter["recipe"], cache)
            if "checksum" in parameter and not np.allclose(xla_inputs.checksum(array), parameter["checksum"],
                                                           rtol=1e-9):
                raise RuntimeError(f"{self.name}: regenerated input differs from the exporter's "
                                   f"(another NumPy random stream?): {parameter['recipe']}")
            self.host.append(array)
        self.device_put = lambda a: jax.device_put(a, device)
        self.aliases = record.get("aliases", [])
        self.reset()

    def reset(self):
        self.params = [self.device_put(a) for a in self.host]

    def __call__(self):
        outputs = execute(self.executable, self.params)
        for output, parameter in self.aliases:
            self.params[parameter] = outputs[output]  # the donated variable's new value
        return outputs

    def launch(self):
        """One timed launch. Where nothing is fed back, ``execute_sharded`` without unpacking its
        results: the cheapest launch (measured 5-10 us on the CPU, against 14-19 us for ``execute``
        and 18-38 us with unpacking); `wait` unpacks the last one."""
        if self.aliases:
            return self()
        return self.executable.execute_sharded(self.params)

    def check(self, expected):
        """A list of mismatches against TensorFlow (empty: all agree)."""
        tolerance, problems = self.record["tolerance"], []
        outputs = self()
        for i, entry in enumerate(self.record["outputs"]):
            problem = compare(outputs[i], entry, expected, tolerance)
            if problem:
                problems.append(f"output {i}: {problem}")
        if self.record["kind"] == "train":
            for _ in range(self.record["check_steps"] - 1):
                outputs = self()
            for i, entry in enumerate(self.record["outputs_after_steps"]):
                problem = compare(outputs[i], entry, expected, tolerance)
                if problem:
                    problems.append(f"{self.record['logs'][i]} after {self.record['check_steps']} steps: {problem}")
        return problems


def groups_of(records):
    groups = {}
    for record in records:
        groups.setdefault(record["group"], []).append(record)
    return groups


def replay(bundle, out, rounds=15, min_sample=0.05, only=None, use_torch=True, say=print, device_times=True):
    """Replays every program of ``bundle``; writes the results; returns them. ``device_times``:
    also trace each program's launches with jax's profiler for its time on a GPU."""
    clock = time.perf_counter()
    env = backend()
    jax, _, device = env
    with open(os.path.join(bundle, "manifest.json")) as manifest_file:
        manifest = json.load(manifest_file)
    expected = dict(np.load(os.path.join(bundle, "expected.npz")))
    records = [r for r in manifest["programs"] if not only or any(part in r["name"] for part in only)]
    environment = {"device": str(device), "device_kind": device.device_kind, "platform": device.platform,
                   "jax": jax.__version__, "jaxlib": _version("jaxlib"), "numpy": np.__version__,
                   "python": platform.python_version(), "machine": f"{_cpu()}, {os.cpu_count()} CPUs",
                   "exported_by": f"TensorFlow {manifest['tensorflow']}"}
    say(f"replaying {len(records)} programs of {bundle} on {device.device_kind} ({device.platform}), "
        f"jax {environment['jax']}, jaxlib {environment['jaxlib']}; {rounds} rounds, samples >= {min_sample:g} s")
    rows, failures = [], []
    for group, members in groups_of(records).items():
        cache, programs, runners = {}, {}, {}
        for record in members:
            try:
                program = Program(record, bundle, env, cache)
                problems = program.check(expected)
            except Exception as error:  # noqa: BLE001 - one broken program must not cost the others' figures
                failures.append(f"{record['name']}: not run: {type(error).__name__}: {str(error)[:500]}")
                say(f"  {record['name']}: NOT RUN: {failures[-1]}")
                continue
            failures += [f"{record['name']}: {p}" for p in problems]
            say(f"  {record['name']}: compiled in {program.compile_seconds:.2f} s ({program.kernels} kernels), values "
                + ("agree with TensorFlow" if not problems else "DISAGREE: " + "; ".join(problems)))
            programs[record["name"]] = (program, problems)
            runners[record["name"]] = (program.launch, wait)
        torch_values = {}
        if use_torch and any(r["name"] in programs and r["program"] == "top_k_gather" for r in members):
            try:
                extra, torch_check = xla_timing.torch_runners(members, cache, device)
            except Exception as error:  # noqa: BLE001 - the baseline is optional
                extra, torch_check = {}, None
                say(f"  torch baseline not run: {type(error).__name__}: {str(error)[:300]}")
            runners.update(extra)
            if torch_check:
                checks, environment["torch"] = torch_check
                for name, values, record in checks:
                    problem = compare(values, record["outputs"][0], expected, record["tolerance"])
                    failures += [f"{name}-{group}: {problem}"] if problem else []
                    torch_values[name] = "disagree" if problem else "agree"
        timed = xla_timing.measure(runners, rounds, min_sample) if runners else {}
        traced = {}
        for name, (call, sync) in runners.items() if device_times else ():
            try:
                traced[name] = xla_timing.device_time(jax, call, sync)
            except Exception as error:  # noqa: BLE001 - an optional figure
                say(f"  {name}: no device time: {type(error).__name__}: {str(error)[:200]}")
        bases = ("read_pass", "retrieval_floor", "train-off")  # each group's denominator
        base = next((n for n, (p, _) in programs.items() if p.record["program"] in bases), None)
        for name, entry in timed.items():
            program, problems = programs.get(name, (None, []))
            row = {"name": name, "group": group, "program": program.record["program"] if program else name,
                   "role": program.record["role"] if program else "baseline",
                   "kind": program.record["kind"] if program else "torch",
                   "size": program.record["size"] if program else members[0]["size"],
                   "median_s": entry["median"], "rounds": len(entry["samples"]), "number": entry["number"],
                   "over_base": entry["median"] / timed[base]["median"] if base else None, "base": base,
                   "device_s": traced[name][0] if traced.get(name) else None,
                   "device_events": round(traced[name][1], 1) if traced.get(name) else None,
                   "device_over_base": (traced[name][0] / traced[base][0]
                                        if traced.get(name) and base and traced.get(base) else None),
                   "compile_s": round(program.compile_seconds, 3) if program else None,
                   "kernels": program.kernels if program else None,
                   "values": ("disagree" if problems else "agree") if program else torch_values.get(name, "unchecked")}
            rows.append(row)
            say(f"    {name}: {entry['median'] * 1e6:,.1f} us" + (f" = {row['over_base']:.2f}x {base}" if base else "")
                + (f"; device {row['device_s'] * 1e6:,.1f} us, {row['device_events']} kernels"
                   if row["device_s"] else ""))
        del programs, runners, cache
        _write(out, environment, bundle, rounds, min_sample, rows, failures, clock)
    results = _write(out, environment, bundle, rounds, min_sample, rows, failures, clock)
    results["plots"] = xla_report.plot(rows, out)
    say(f"wrote results.json, results.md{''.join(', ' + p for p in results['plots'])} to {out} "
        f"({results['wall_seconds']} s); {len(failures)} value mismatches")
    return results


def _write(out, environment, bundle, rounds, min_sample, rows, failures, clock):
    """Writes results.json and results.md (after each group too: a run cut short keeps what it timed)."""
    results = {"environment": environment, "bundle": bundle, "rounds": rounds, "min_sample_s": min_sample,
               "rows": rows, "failures": failures, "wall_seconds": round(time.perf_counter() - clock, 1),
               "targets": xla_report.targets(rows)}
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w") as out_file:
        json.dump(results, out_file, indent=1)
    with open(os.path.join(out, "results.md"), "w") as out_file:
        out_file.write(xla_report.markdown(results))
    return results


def _cpu():
    try:
        with open("/proc/cpuinfo") as info:
            return next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.machine()


def _version(name):
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # noqa: BLE001 - a missing distribution is reported, not fatal
        return "unknown"


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle", nargs="?", default=here, help="the exported bundle (default: this file's folder)")
    parser.add_argument("--out", default="xla-replay", help="output folder (default ./xla-replay)")
    parser.add_argument("--quick", action="store_true", help="5 rounds of >= 10 ms samples (a smoke test)")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds per group (default 15)")
    parser.add_argument("--min-sample", type=float, default=None, help="seconds per sample (default 0.05)")
    parser.add_argument("--only", default=None, help="comma-separated substrings of the program names to run")
    parser.add_argument("--no-torch", action="store_true", help="skip the torch baseline")
    parser.add_argument("--no-device-time", action="store_true", help="skip the profiler's device times")
    args = parser.parse_args(argv)
    rounds = args.rounds or (5 if args.quick else 15)
    min_sample = args.min_sample or (0.01 if args.quick else 0.05)
    only = args.only.split(",") if args.only else None
    results = replay(args.bundle, args.out, rounds, min_sample, only, not args.no_torch,
                     device_times=not args.no_device_time)
    return 1 if results["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
