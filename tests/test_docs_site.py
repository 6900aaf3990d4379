"""The documentation site builds strictly (mkdocs.yml, docs/): a broken link, a broken anchor or
an API entry naming a missing object fails the build, and so CI."""

import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def build(root, site):
    """``mkdocs build --strict`` of the project at ``root`` into ``site``; the completed process."""
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"),
                           "-d", str(site)], cwd=root, capture_output=True, text=True, timeout=300)


def copy_project(tmp_path):
    """What the build reads (mkdocs.yml, docs/, tfrank/'s sources), to break one thing in."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "docs", root / "docs")
    shutil.copytree(ROOT / "tfrank", root / "tfrank", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    return root


def test_the_site_builds_strictly_with_every_page_and_api_entry(tmp_path):
    done = build(ROOT, tmp_path / "site")
    assert done.returncode == 0, done.stderr
    metrics = (tmp_path / "site" / "api" / "metrics" / "index.html").read_text(encoding="utf-8")
    assert 'id="tfrank.PrecisionAtK"' in metrics and 'id="tfrank.RPrecision"' in metrics
    ops = (tmp_path / "site" / "api" / "ops" / "index.html").read_text(encoding="utf-8")
    assert 'id="tfrank.ops.precision_at_k"' in ops
    # Docstring doctests are rendered as code, not as Markdown quotes (docs/hooks/griffe_pycon.py).
    assert "<blockquote>" not in metrics and 'class="gp">&gt;&gt;&gt;' in metrics
    # Every parameter row names one parameter of the signature, so that it shows its default:
    # grouped rows ("name, dtype") and options taken through **options would read "required".
    rows = {page: re.findall(r'<tr class="doc-section-item">\s*<td>\s*<code>([^<]*)</code>(.*?)</tr>', html, re.S)
            for page, html in _api_pages(tmp_path / "site").items()}
    assert all(", " not in name for page_rows in rows.values() for name, _ in page_rows)
    # Every constructor argument has a default, but PrecisionLambdaWeight's k (TF-Ranking's
    # topn, required there too).
    required = {"metrics": [], "budget": [], "losses": ["k"],
                # The threshold metrics' bounds (Keras' PrecisionAtRecall requires its recall too).
                "threshold": ["recall", "precision", "specificity", "sensitivity"]}
    for page, expected in required.items():
        assert len(rows[page]) >= 6 and [name for name, cells in rows[page] if "required" in cells] == expected, page
    precision = metrics[metrics.index('id="tfrank.PrecisionAtK"'):metrics.index('id="tfrank.RecallAtK"')]
    assert "<code>denominator</code>" in precision and "<code>dtype</code>" in precision


def _api_pages(site):
    return {path.parent.name: path.read_text(encoding="utf-8") for path in (site / "api").glob("*/index.html")}


@pytest.mark.parametrize("page, old, new", [
    ("docs/labels.md", "(troubleshooting.md)", "(no-such-page.md)"),  # a broken link
    ("docs/tuning.md", "(budget.md)", "(budget.md#no-such-section)"),  # a broken anchor
    ("docs/api/metrics.md", "::: tfrank.RecallAtK", "::: tfrank.NoSuchMetric"),  # a missing object
])
def test_a_broken_link_or_a_missing_object_fails_the_build(tmp_path, page, old, new):
    root = copy_project(tmp_path)
    text = (root / page).read_text(encoding="utf-8")
    assert old in text
    (root / page).write_text(text.replace(old, new, 1), encoding="utf-8")
    done = build(root, tmp_path / "site")
    assert done.returncode != 0
