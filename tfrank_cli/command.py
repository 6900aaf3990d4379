"""The ``tfrank`` console command: parses the command line, then imports TensorFlow to run it.

`tfrank_cli.parse` answers ``tfrank --help``, ``tfrank demo --help``, ``tfrank bench --help``
and every bad option before anything of tfrank (or TensorFlow) is imported; only a valid
command imports ``tfrank.apps.cli``, which runs it.

Unless ``--verbose`` is given, TensorFlow's start-up lines (oneDNN, CPU features) are
hidden: ``TF_CPP_MIN_LOG_LEVEL=2`` (when the user has not set it) and standard error held
back while TensorFlow is imported, then shown only if the import fails.
"""

import contextlib
import os
import sys
import tempfile

import tfrank_cli


@contextlib.contextmanager
def quiet_tensorflow(verbose=False):
    """Hides TensorFlow's start-up lines while the block imports it, unless ``verbose``; shows them if it fails."""
    if verbose or "tensorflow" in sys.modules:
        yield
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # INFO and WARNING lines of TensorFlow's C++ code
    # A few lines (oneDNN) are written before TensorFlow reads that variable: hold back
    # standard error itself (file descriptor 2) during the import.
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException:
            sys.stderr.flush()
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode(errors="replace"))
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def main(argv=None):
    """Console entry point ``tfrank``; returns the exit code (argparse exits with 2 on bad options)."""
    args = tfrank_cli.parse(sys.argv[1:] if argv is None else list(argv))
    try:
        with quiet_tensorflow(args.verbose):
            from tfrank.apps import cli
    except ImportError as err:  # tfrank's import guard: TensorFlow missing, Keras 2, ...
        print(f"tfrank: {err}", file=sys.stderr)
        return 1
    return cli.run(args)


if __name__ == "__main__":
    sys.exit(main())
