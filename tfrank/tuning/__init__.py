"""keras-tuner glue: `objective` (tfrank log names as ``keras_tuner.Objective``s, no
keras_tuner import until called) and `tuners` (keras-tuner's tuners taking those names as
plain strings; imports keras_tuner). Public as ``tfrank.objective``, ``tfrank.objectives``
and ``tfrank.tuners``.
"""
