"""The argument types of ``tfrank demo`` and ``tfrank bench`` (argparse only).

argparse turns their ``ArgumentTypeError`` into ``argument --k: must be a positive int, got
'0'`` and exit code 2.
"""

import argparse


def positive_int(text):
    """``"3"`` -> 3; refuses 0, negatives, ``"1.5"`` and ``" 3x"``."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0 or str(value) != text.strip():
        raise argparse.ArgumentTypeError(f"must be a positive int, got {text!r}")
    return value


def positive_ints(text):
    """``"1,10"`` -> ``(1, 10)``, each part a `positive_int`."""
    return tuple(positive_int(part) for part in text.split(","))


def positive_float(text):
    """``"0.5"`` -> 0.5; refuses 0, negatives and NaN."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def choices(valid):
    """A type for a comma-separated list of ``valid`` names: ``"dense,ids"`` -> ``("dense", "ids")``."""

    def parse(text):
        values = tuple(part.strip() for part in text.split(","))
        bad = [v for v in values if v not in valid]
        if bad or not values:
            raise argparse.ArgumentTypeError(f"must be a comma-separated list of {', '.join(valid)}; got {text!r}")
        return values

    return parse


def dataset_name(text):
    """``"digits"`` or ``"tfds:NAME"``."""
    if text == "digits" or (text.startswith("tfds:") and len(text) > len("tfds:")):
        return text
    raise argparse.ArgumentTypeError(
        f"must be 'digits' (scikit-learn's bundled images, the default) or 'tfds:NAME' "
        f"(a prepared TFDS ranking builder, e.g. tfds:mslr_web/10k_fold1), got {text!r}"
    )
