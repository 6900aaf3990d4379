"""The result of `tfrank.tuners.compare_trials`: rows, a markdown table, a JSON dict, a plot."""

import dataclasses
import math
import typing

Pair = typing.Tuple[float, float]


@dataclasses.dataclass(frozen=True)
class TrialRow:
    """One trial, compared with the best trial on the data given to `compare_trials`.

    Attributes:
        trial_id: keras-tuner's id of the trial.
        hyperparameters: its values, ``{name: value}``.
        score: the objective the search recorded for it (on the search's own split).
        value: its metric on the data given (per-list metrics: the unweighted mean over
            the lists that count).
        ci: ``(low, high)``, the interval of ``value``.
        difference: ``value`` minus the best trial's, paired (0.0 for the best).
        difference_ci: the interval of ``difference`` ((0.0, 0.0) for the best).
        p_value: the p-value of "no difference from the best", corrected (None for the best).
        p_raw: the same before the correction (None for the best).
        tied_with_best: True when ``p_value >= alpha`` (the data cannot tell it from the
            best), and for the best itself.
    """

    trial_id: str
    hyperparameters: typing.Dict[str, typing.Any]
    score: typing.Optional[float]
    value: float
    ci: Pair
    difference: float
    difference_ci: Pair
    p_value: typing.Optional[float]
    p_raw: typing.Optional[float]
    tied_with_best: bool


def _number(value, digits=4):
    if value is None:
        return "–"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _hyperparameter(value):
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _plain(value):
    """A JSON-ready copy: tuples become lists, NumPy scalars Python numbers."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


@dataclasses.dataclass(frozen=True)
class TrialComparison:
    """The top trials of a search, each compared with the best one (`compare_trials`).

    Attributes:
        rows: `TrialRow` per trial, best first (the search's order).
        metric: the log name compared (``"precision_at_10"``).
        test: ``"randomization"``, ``"t"`` or ``"bootstrap"`` (dataset-level metrics:
            ``"bootstrap"`` over the examples, or the metric's own test).
        correction: ``"holm"``, ``"bonferroni"`` or None.
        n: lists (per-list metrics) or examples (dataset-level) compared.
        unit: ``"lists"`` or ``"examples"``.
        confidence, alpha: the intervals' level and the threshold of ``tied_with_best``.
    """

    rows: typing.List[TrialRow]
    metric: str
    test: str
    correction: typing.Optional[str]
    n: int
    unit: str
    confidence: float
    alpha: float

    @property
    def best(self) -> TrialRow:
        return self.rows[0]

    def to_markdown(self) -> str:
        """A markdown table: one line per trial, best first."""
        level = f"{self.confidence:.0%}"
        head = (f"| trial | {self.metric} | {level} CI | difference from best | {level} CI of difference | "
                f"p ({self.correction or 'uncorrected'}) | tied with best | search score | hyperparameters |")
        lines = [head, "|---|---:|---|---:|---|---:|---|---:|---|"]
        for r in self.rows:
            hps = ", ".join(f"{k}={_hyperparameter(v)}" for k, v in r.hyperparameters.items())
            tied = "best" if r is self.rows[0] else ("yes" if r.tied_with_best else "no")
            lines.append(f"| {r.trial_id} | {_number(r.value)} | [{_number(r.ci[0])}, {_number(r.ci[1])}] | "
                         f"{_number(r.difference)} | [{_number(r.difference_ci[0])}, {_number(r.difference_ci[1])}] | "
                         f"{_number(r.p_value)} | {tied} | {_number(r.score)} | {hps} |")
        ties = sum(r.tied_with_best for r in self.rows[1:])
        lines += ["", f"{self.n} {self.unit}, {self.test} test, correction {self.correction}: "
                  f"{ties} of {len(self.rows) - 1} other trials cannot be told apart from the best "
                  f"(p >= {self.alpha:g})."]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict:
        """A JSON-serialisable dict (``json.dumps(result.to_json())``): the fields and the rows."""
        out = {field.name: getattr(self, field.name) for field in dataclasses.fields(self) if field.name != "rows"}
        out["rows"] = [dataclasses.asdict(r) for r in self.rows]
        return _plain(out)

    @classmethod
    def from_json(cls, data: dict) -> "TrialComparison":
        """The comparison back from `to_json`'s dict (keys other than its fields are ignored)."""
        names = [field.name for field in dataclasses.fields(cls) if field.name != "rows"]
        rows = []
        for row in data["rows"]:
            row = dict(row, ci=tuple(row["ci"]), difference_ci=tuple(row["difference_ci"]))
            rows.append(TrialRow(**{field.name: row[field.name] for field in dataclasses.fields(TrialRow)}))
        return cls(rows, **{name: data[name] for name in names})

    def plot(self, path: str) -> str:
        """Draws `draw`'s figure to a PNG at ``path``; returns ``path``."""
        from matplotlib.figure import Figure  # noqa: PLC0415  (matplotlib only for the plot; no pyplot state)

        fig = Figure(figsize=(max(4.5, 0.9 * len(self.rows) + 2.5), 3.8))
        self.draw(fig.subplots())
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        return path

    def draw(self, ax: typing.Any) -> typing.Any:
        """Draws each trial's value with its interval on the matplotlib axes ``ax``; returns ``ax``.

        The best trial is a red star (its interval shaded across), trials tied with it
        blue dots, the others grey; each other trial is labelled with its corrected
        p-value. The whiskers are each trial's own interval: two trials' whiskers can
        overlap while the paired test still tells them apart (the lists are shared).
        """

        def kind(i, row):
            return "best" if i == 0 else ("tied with best" if row.tied_with_best else "different from best")

        kinds = (("best", "*", "C3", 14), ("tied with best", "o", "C0", 8), ("different from best", "o", "0.55", 8))
        for label, marker, colour, size in kinds:
            at = [i for i, row in enumerate(self.rows) if kind(i, row) == label]
            if not at:
                continue
            values = [self.rows[i].value for i in at]
            below = [self.rows[i].value - self.rows[i].ci[0] for i in at]
            above = [self.rows[i].ci[1] - self.rows[i].value for i in at]
            ax.errorbar(at, values, yerr=[below, above], fmt=marker, color=colour, markersize=size, capsize=4,
                        label=label, linestyle="none")
        best = self.rows[0]
        ax.axhspan(best.ci[0], best.ci[1], color="C3", alpha=0.08, linewidth=0)
        for i, row in enumerate(self.rows[1:], start=1):  # the paired test decides, not the overlap of whiskers
            ax.annotate(f"p={row.p_value:.2g}", (i, row.ci[1]), textcoords="offset points", xytext=(0, 4),
                        ha="center", fontsize=7)
        ax.set_xticks(range(len(self.rows)), [r.trial_id for r in self.rows])
        ax.set(xlabel="trial (best first)", ylabel=self.metric,
               title=f"{self.metric} on {self.n} {self.unit}, {self.confidence:.0%} intervals\n"
                     f"p: {self.test} test against the best, paired ({self.correction or 'uncorrected'})")
        ax.title.set_fontsize(9)
        ax.margins(x=0.15, y=0.12)
        ax.grid(True, axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="best")
        return ax
