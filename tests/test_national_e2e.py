"""The national book end to end on a generated national demo (tiny: two entities, two months): the
demo is deterministic and every entity ingests; the refresh runs each entity's months as its own
data root; `goldbook national build` makes a bilingual book, Arabic right to left; `goldbook verify`
proves a national month and a year identical and fails, naming it, when an entity manifest changed."""

from __future__ import annotations

import pytest

from helpers import cli
from helpers.base.files import sha256_file
from helpers.national import demo, refresh
from helpers.pipeline import runner
from helpers.pipeline import verify as entity_verify

pytestmark = pytest.mark.e2e

TINY = {"entities": 2, "start": "2024-11", "end": "2024-12", "scale": 0.5, "seed": 7}


def _files(root):
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def national_root(tmp_path_factory):
    """A generated national demo, refreshed in English (the tables the book reads are the same in
    either language), with the national book built."""
    root = tmp_path_factory.mktemp("national") / "ws"
    summary = demo.write_workspace(root, **TINY)
    assert (summary["entities"], summary["centres"]) == (2, 8)
    results = refresh.refresh(root, jobs=2, langs=("en",), progress=lambda line: None)
    assert all(r.ok for r in results), [p for r in results for p in r.problems]
    assert [sorted(r.published) for r in results] == [["2024-11", "2024-12"]] * 2
    assert cli.main(["--root", str(root), "national", "build"]) == 0
    return root


def test_the_national_demo_is_deterministic(tmp_path):
    first = tmp_path / "a"
    demo.write_workspace(first, entities=1, start="2024-12", end="2024-12", scale=0.3, seed=3)
    second = tmp_path / "b"
    demo.write_workspace(second, entities=1, start="2024-12", end="2024-12", scale=0.3, seed=3)
    assert _files(first) == _files(second)


def test_each_entity_is_a_data_root_of_its_own(national_root):
    for entity in ("housing", "social_insurance"):
        root = national_root / "entities" / entity
        check = entity_verify.verify_published("2024-12", root)
        assert check.ok, check.report()
        # every monthly chapter ran, as `goldbook run` runs them
        published = sorted(p.name for p in (root / "reports" / "2024-12" / "en").glob("*.ipynb"))
        assert published == [nb.name for nb in runner.discover("month")]


def test_the_book_is_bilingual_and_arabic_reads_right_to_left(national_root):
    html = national_root / "national" / "_build" / "html"
    ar = (html / "ar" / "months" / "2024-12.html").read_text(encoding="utf-8")
    en = (html / "en" / "months" / "2024-12.html").read_text(encoding="utf-8")
    assert '<meta content="rtl" name="page-dir" />' in ar and '<div class="goldbook-rtl" dir="rtl" lang="ar">' in ar
    assert '<meta content="ltr" name="page-dir" />' in en
    assert "هيئة خدمات الإسكان" in ar and "Housing Services Authority" in en
    for page in ("index.html", "ar/index.html", "en/years/2024.html", "ar/years/2024.html", "ar/methods.html"):
        assert (html / page).is_file(), page


def test_verify_proves_a_national_month_and_fails_when_an_entity_manifest_changed(national_root, capsys):
    assert cli.main(["--root", str(national_root), "verify", "--national", "2024-12"]) == 0
    out = capsys.readouterr().out
    assert "national 2024-12:" in out and "outputs identical" in out
    assert cli.main(["--root", str(national_root), "verify", "2024"]) == 0
    manifest = national_root / "entities" / "housing" / "reports" / "2024-12" / "manifest.json"
    kept = manifest.read_bytes()
    try:
        manifest.write_bytes(kept.replace(b'"outputs"', b'"outputs" ', 1))
        assert cli.main(["--root", str(national_root), "verify", "2024-12"]) == 1
        err = capsys.readouterr().err
        assert "entity file changed since it was read: entities/housing/reports/2024-12/manifest.json" in err
    finally:
        manifest.write_bytes(kept)
