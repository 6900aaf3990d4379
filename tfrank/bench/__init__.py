"""``tfrank bench``: tfrank's Precision@K update against NumPy and Keras peers, in one run.

One module per section (``cases``, ``family``, ``fit``, ``memory``, ``budget``,
``retrieval``, ``xla``, ``losses``, ``threshold``); `tfrank.bench.runner.run` runs the sections that parsed arguments
ask for and writes ``results.json`` (raw medians), ``results.md`` (ratio tables) and PNG
plots to ``--out``. What each section compares is ``tfrank bench --help``'s description.

The options are defined by ``tfrank_cli.bench`` (outside this package, so that they answer
before TensorFlow loads); this package reads their names from it and imports nothing from
``tfrank.apps``.
"""
