"""Child processes for tests that need a TensorFlow of their own.

Some set-ups only exist before TensorFlow initialises its devices (two logical CPUs
for MirroredStrategy) or only across processes (MultiWorkerMirroredStrategy, a
keras-tuner chief and its workers). Tests run them as scripts under ``tests/`` with
`run_scripts`, which gives every child a hard deadline, kills and reaps every child
in a ``finally`` block, and fails with the children's stderr when one goes wrong.
The scripts call `use_logical_cpus` first and print one JSON line last.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LOOPBACK = "127.0.0.1"


# === Inside a child script ===


def use_logical_cpus(n):
    """Splits the CPU into ``n`` logical devices; call before anything runs a TF op."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n)
    return [f"/cpu:{i}" for i in range(n)]


def report(payload):
    """The child's answer: one JSON line on stdout, read back by `run_scripts`."""
    print(json.dumps(payload), flush=True)


# === In the test process ===


def free_ports(n):
    """``n`` distinct free TCP ports on 127.0.0.1 (held open together so none repeats)."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((LOOPBACK, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def child_env(**extra):
    """os.environ plus quiet TF logs, this checkout first on PYTHONPATH, and ``extra``."""
    path = os.pathsep.join([ROOT, HERE] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    env = {**os.environ, "PYTHONPATH": path, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}
    env.update({key: str(value) for key, value in extra.items()})
    return env


def _describe(name, proc, out, err):
    return f"--- {name}: exit code {proc.returncode}\n--- stdout (tail)\n{out[-1500:]}\n--- stderr (tail)\n{err[-4000:]}"


def _stop(proc):
    """Kills ``proc``'s process group if it still runs, then reaps it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the child and anything it started
        except ProcessLookupError:
            pass
    proc.wait(timeout=30)


def run_scripts(children, *, timeout):
    """Runs ``children`` (name -> (script file name, env dict)) together; returns name -> JSON.

    Every child must exit 0 within ``timeout`` seconds (all together) and print a JSON
    line last. When one fails or time runs out, every child still running is killed
    (a worker left alone would wait for its peer forever) and the AssertionError shows
    each child's exit code, stdout and stderr. Children are always reaped.
    """
    procs, files = {}, {}
    deadline = time.monotonic() + timeout
    problem = None
    try:
        for name, (script, env) in children.items():
            files[name] = (tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+"))
            procs[name] = subprocess.Popen(
                [sys.executable, os.path.join(HERE, script)],
                env=env,
                cwd=ROOT,
                stdout=files[name][0],
                stderr=files[name][1],
                text=True,
                start_new_session=True,
            )
        while problem is None and any(proc.poll() is None for proc in procs.values()):
            failed = [name for name, proc in procs.items() if proc.poll() not in (None, 0)]
            if failed:
                problem = f"{', '.join(failed)} failed"
            elif time.monotonic() > deadline:
                problem = f"ran past {timeout} s: {', '.join(n for n, p in procs.items() if p.poll() is None)}"
            else:
                time.sleep(0.2)
    finally:
        for proc in procs.values():
            _stop(proc)
    outputs = {}
    for name, (out, err) in files.items():
        out.seek(0), err.seek(0)
        outputs[name] = (out.read(), err.read())
        out.close(), err.close()
    failed = [name for name, proc in procs.items() if proc.returncode != 0]
    if problem is None and failed:
        problem = f"{', '.join(failed)} failed"
    results = {}
    for name, (out, _) in outputs.items():
        lines = out.strip().splitlines()
        try:
            results[name] = json.loads(lines[-1]) if problem is None else None
        except (IndexError, json.JSONDecodeError):
            problem = f"{name} printed no JSON line last"
    if problem is not None:
        report_text = "\n".join(_describe(name, proc, *outputs[name]) for name, proc in procs.items())
        raise AssertionError(f"{problem}\n{report_text}")
    return results
