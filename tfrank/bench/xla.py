"""``tfrank bench --sections xla``: writes the replay bundle and replays it where jax is installed.

The bundle holds tfrank's XLA programs (`xla_export`) and Keras train steps (`xla_train`),
``manifest.json``, ``expected.npz`` and the replayer (`xla_replay` with its helpers), which
a machine with jaxlib but no TensorFlow compiles and times.
"""

import json
import os
import shutil

import numpy as np

from tfrank.bench import xla_export, xla_train


def export(bundle, shapes=xla_export.FULL_SHAPES, train=("multihot", "classes"), seed=0, say=print,
           programs=xla_export.PROGRAMS):
    """Writes the bundle (HLO files, manifest.json, expected.npz, the replayer); returns the manifest."""
    import tensorflow as tf

    os.makedirs(bundle, exist_ok=True)
    stored, records = {}, []
    for shape in shapes:
        cache = {}
        for program in programs:
            if shape in program.shapes or shape == program.tiny:
                say(f"  export {program.name} at {shape} {xla_export.SHAPES[shape]}")
                records.append(xla_export.export_program(program, shape, bundle, stored, seed, cache))
    for setup in train:  # "multihot" (every variant) or "multihot/tfrank" (one)
        name, _, variant = setup.partition("/")
        records += xla_train.export_setup(name, bundle, stored, seed, say=say, only=(variant,) if variant else None)
    np.savez(os.path.join(bundle, "expected.npz"), **stored)
    manifest = {"format": xla_export.FORMAT, "tensorflow": tf.__version__, "seed": seed, "programs": records}
    with open(os.path.join(bundle, "manifest.json"), "w") as out:
        json.dump(manifest, out, indent=1)
    here = os.path.dirname(os.path.abspath(__file__))
    for module in ("xla_inputs.py", "xla_replay.py", "xla_report.py", "xla_timing.py"):
        shutil.copyfile(os.path.join(here, module), os.path.join(bundle, module))
    total = sum(os.path.getsize(os.path.join(bundle, f)) for f in os.listdir(bundle))
    say(f"  wrote {len(records)} programs to {bundle} ({total / 2**20:.1f} MiB)")
    return manifest


def run(out, quick=False, say=print, seed=0):
    """``tfrank bench --sections xla``: exports ``out/xla-bundle`` and, where jax is installed,
    replays it on the CPU into ``out/xla-replay-cpu``; returns a summary for results.json."""
    import importlib.util

    bundle = os.path.join(out, "xla-bundle")
    if quick:
        manifest = export(bundle, shapes=xla_export.TINY_SHAPES, train=("tiny", "tiny_classes"), seed=seed, say=say)
    else:
        manifest = export(bundle, seed=seed, say=say)
    mib = sum(os.path.getsize(os.path.join(bundle, f)) for f in os.listdir(bundle)) / 2**20
    summary = {"bundle": bundle, "programs": len(manifest["programs"]), "mib": round(mib, 2), "failures": []}
    if importlib.util.find_spec("jax") is None:
        say("  jax is not installed: the bundle is not replayed here")
        return summary
    from tfrank.bench import xla_replay

    replay_out = os.path.join(out, "xla-replay-cpu")
    results = xla_replay.replay(bundle, replay_out, rounds=3 if quick else 7, min_sample=0.005 if quick else 0.05,
                                say=say)
    summary.update(replay=replay_out, failures=results["failures"], targets=results["targets"],
                   jaxlib=results["environment"]["jaxlib"], replay_seconds=results["wall_seconds"])
    return summary
