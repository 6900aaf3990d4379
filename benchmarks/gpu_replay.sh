#!/usr/bin/env bash
# Replays an exported bundle of tfrank's XLA programs on the first GPU, with jaxlib only.
#
#   benchmarks/gpu_replay.sh [--quick] [BUNDLE] [OUT]
#
# BUNDLE: what `tfrank bench --sections xla --out tfrank-bench` writes (default
# tfrank-bench/xla-bundle, about 2 MiB: HLO, input recipes, TensorFlow's values and the
# replayer itself; the inputs are regenerated from their seeds there, not carried).
# OUT: where results.json, results.md, ratios.png, replay.log and nvidia-smi.txt go
# (default $OUT, else ./xla-replay-gpu). Needs Python 3 with numpy and jax/jaxlib for the
# GPU; torch, where importable, adds torch.topk + gather as a baseline; matplotlib the plot.
# No TensorFlow is needed. The full run is sized for a few minutes on an H100 (about 25
# programs, 15 interleaved rounds of >= 50 ms samples); --quick is 5 rounds of >= 10 ms.
# PYTHON picks the interpreter (default python3). Exit code: the replayer's (1 when a program's values disagree with TensorFlow's).
set -uo pipefail
cd "$(dirname "$0")/.."
quick=()
if [ "${1:-}" = "--quick" ]; then quick=(--quick); shift; fi
bundle="${1:-tfrank-bench/xla-bundle}"
out="${2:-${OUT:-xla-replay-gpu}}"
mkdir -p "$out"
if [ ! -f "$bundle/manifest.json" ]; then
    echo "gpu_replay.sh: no bundle at $bundle (run: tfrank bench --sections xla --out tfrank-bench)" >&2
    exit 2
fi
nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || echo "nvidia-smi not available" > "$out/nvidia-smi.txt"
# jax takes 75% of GPU memory up front by default; leave room for torch's baseline.
export XLA_PYTHON_CLIENT_MEM_FRACTION="${XLA_PYTHON_CLIENT_MEM_FRACTION:-0.5}"
export TF_CPP_MIN_LOG_LEVEL=3
timeout 450 "${PYTHON:-python3}" -u "$bundle/xla_replay.py" "$bundle" --out "$out" "${quick[@]}" 2>&1 | tee "$out/replay.log"
exit "${PIPESTATUS[0]}"
