"""The applications built on tfrank's metrics: the command line (`cli`; the console
command's options are the top-level package ``tfrank_cli``), the keras-tuner demo (`demo`),
the fraud demo (`fraud`) and the demo's data (`data`). Nothing in tfrank imports them
except ``tfrank.cli`` (``python -m tfrank.cli``).
"""
