"""Train steps for the XLA replay benchmark: a Keras ``fit`` step with and without metrics.

The model of ``tfrank bench``'s fit section (features -> Dense(64, relu) -> Dense(N)
scores), compiled as ``tf.function(lambda x, y: model.train_step((x, y)),
jit_compile=True)``: the program Keras runs per step on a GPU. Its HLO parameters
are ``x``, ``y`` and then every variable the step reads (weights, Adam's slots and
counters, metric totals), in the concrete function's capture order; the step writes
new values of the variables it updates as extra outputs, aliased to (donated from)
their parameters. The replayer feeds those outputs back as the next step's
parameters, as TensorFlow does with its variables.

Each variable's starting value comes from a recipe, so nothing large is shipped:
trainable weights are redrawn as ``N(0, std)`` of Keras' own initial values, other
large variables (Adam's slots) start at zero, and small ones (counters, the learning
rate, metric totals) are stored as they are. TensorFlow is given the same values
before it computes the expected outputs: the logs of the first step and after
`CHECK_STEPS` steps.
"""

import numpy as np

from tfrank.bench import xla_export, xla_inputs

CHECK_STEPS = 3
SMALL = 16  # variables with at most this many elements are stored in the manifest
# TF emits f32 matmuls with default precision, which a GPU may run in TF32, and the
# loss sums B x N terms in another order there: the train-step check is looser.
TOLERANCE = 2e-3
SETUPS = {
    "multihot": {"batch": 256, "items": 10_000, "features": 32, "k": 10, "relevant": 5, "labels": "dense"},
    "classes": {"batch": 1024, "items": 500, "features": 32, "k": 5, "relevant": 1, "labels": "class"},
    "tiny": {"batch": 16, "items": 64, "features": 8, "k": 5, "relevant": 3, "labels": "dense"},
    "tiny_classes": {"batch": 16, "items": 64, "features": 8, "k": 5, "relevant": 1, "labels": "class"},
}


def variants(setup):
    """``{name: metrics factory}``: no metrics, tfrank, and the peers a Keras user has."""
    import keras

    import tfrank

    k = setup["k"]
    tfrank_metrics = lambda: [tfrank.PrecisionAtK(k=k), tfrank.RecallAtK(k=k)]  # noqa: E731
    out = {"off": lambda: [], "tfrank": tfrank_metrics, "tfrank_topk": tfrank_metrics}
    if setup["labels"] == "class":
        out["keras"] = lambda: [keras.metrics.SparseTopKCategoricalAccuracy(k=k)]
    else:
        out["keras"] = lambda: [keras.metrics.Precision(top_k=k), keras.metrics.Recall(top_k=k)]
        out["keras_rs"] = _keras_rs(k)
    return out


def _keras_rs(k):
    def metrics():
        import keras_rs

        return [keras_rs.metrics.PrecisionAtK(k=k), keras_rs.metrics.RecallAtK(k=k)]

    return metrics


def _model(setup, metrics, seed):
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((setup["features"],)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(setup["items"]),
    ])
    if setup["labels"] == "class":
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    else:
        loss = keras.losses.BinaryCrossentropy(from_logits=True)
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    return model


def data_recipes(setup, seed):
    """Recipes of the step's ``x`` ``[B, F]`` and labels (class ids ``[B]`` or multi-hot ``[B, N]``)."""
    x = {"kind": "normal", "shape": [setup["batch"], setup["features"]], "scale": 1.0, "seed": seed + 1}
    labels = xla_inputs.ranking_recipes(setup["batch"], setup["items"], setup["relevant"], setup["items"], seed)
    return x, labels["class" if setup["labels"] == "class" else "dense"]


def _variable_recipe(variable, index, seed):
    value = variable.numpy()
    if value.size <= SMALL:
        return {"kind": "const", "value": value.tolist(), "shape": list(value.shape), "dtype": str(value.dtype)}
    if variable.trainable and value.dtype == np.float32:
        scale = float(value.std()) or 0.05
        return {"kind": "normal", "shape": list(value.shape), "scale": scale, "seed": seed + 100 + index}
    return {"kind": "zeros", "shape": list(value.shape), "dtype": str(value.dtype)}


def _variables_of(model, captured):
    """The variable behind each captured resource handle, in capture order."""
    found = list(model.variables) + list(model.optimizer.variables)
    pending = list(model.metrics)
    while pending:  # metrics nest (the compile container); keras-rs' hold a SeedGenerator's state
        metric = pending.pop()
        found += list(getattr(metric, "variables", []))
        for value in vars(metric).values():
            pending += [m for m in (value if isinstance(value, list) else [value]) if hasattr(m, "variables")]
            if hasattr(getattr(value, "state", None), "handle"):
                found.append(value.state)
    by_handle = {id(v.handle): v for v in found}
    missing = [c for c in captured if id(c) not in by_handle]
    if missing:
        raise ValueError(f"the train step captures {len(missing)} tensors that are no model, optimizer or "
                         f"metric variable: {missing[:3]}")
    return [by_handle[id(c)] for c in captured]


def export_step(setup_name, variant, make_metrics, bundle, stored, seed):
    """Exports one train step, traced as on a GPU (tfrank ranks by counting; variant
    ``tfrank_topk``: by the top k, as on a CPU); returns its manifest record."""
    from tfrank.engine import fastrank

    with fastrank.choose("top_k" if variant.endswith("_topk") else "count"):
        return _export_step(setup_name, variant, make_metrics, bundle, stored, seed)


def _export_step(setup_name, variant, make_metrics, bundle, stored, seed):
    import tensorflow as tf

    setup = SETUPS[setup_name]
    x_recipe, y_recipe = data_recipes(setup, seed)
    x, y = xla_inputs.make(x_recipe), xla_inputs.make(y_recipe)
    model = _model(setup, make_metrics(), seed)
    model.fit(x, y, batch_size=setup["batch"], epochs=1, verbose=0)  # builds the optimizer and metric variables

    def step(x, y):
        return model.train_step((x, y))

    args = [tf.constant(x), tf.constant(y)]
    name = f"train-{setup_name}-{variant}"
    record, compiled = xla_export.export_function(step, args, name, bundle, stored)
    variables = _variables_of(model, compiled.get_concrete_function(*args).captured_inputs)
    recipes = [_variable_recipe(v, i, seed) for i, v in enumerate(variables)]
    for variable, recipe in zip(variables, recipes):
        variable.assign(xla_inputs.make(recipe))
    first = compiled(*args)
    logs = sorted(first)  # tf.nest.flatten orders a dict by key: the HLO's first outputs
    first_values = [first[key].numpy() for key in logs]
    for _ in range(CHECK_STEPS - 1):
        last = compiled(*args)
    last_values = [last[key].numpy() for key in logs]
    parameters = [{**xla_export.describe(a), "recipe": r, "checksum": xla_inputs.checksum(a), "name": n}
                  for a, r, n in ((x, x_recipe, "x"), (y, y_recipe, "y"))]
    parameters += [{**xla_export.describe(xla_inputs.make(r)), "recipe": r, "name": v.path}
                   for v, r in zip(variables, recipes)]
    record.update(
        program=f"train-{variant}", group=f"train-{setup_name}", role="baseline" if variant == "off" else "metric",
        kind="train", tolerance=TOLERANCE, size=setup, variant=variant, logs=logs, check_steps=CHECK_STEPS,
        parameters=parameters,
        outputs=[xla_export.expected_entry(f"{name}/first/{key}", v, stored) for key, v in zip(logs, first_values)],
        outputs_after_steps=[xla_export.expected_entry(f"{name}/last/{key}", v, stored)
                             for key, v in zip(logs, last_values)],
    )
    return record


def export_setup(setup_name, bundle, stored, seed, say=print, only=None):
    """Exports every variant of one setup (or those named in ``only``)."""
    import keras

    records = []
    for variant, make_metrics in variants(SETUPS[setup_name]).items():
        if only is None or variant in only:
            say(f"  export train step {setup_name} ({SETUPS[setup_name]}), metrics: {variant}")
            records.append(export_step(setup_name, variant, make_metrics, bundle, stored, seed))
            keras.backend.clear_session()
    return records
