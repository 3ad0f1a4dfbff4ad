"""The shape of ``src/helpers``: layers, no import cycles, numbers apart from words and charts.

The import graph is read from the source with ``ast`` (every import, at the top of a module or
inside a function), so a new module or a new import is checked without any list to keep up to
date. The rules:

- no import cycles between modules;
- a module imports only from its own layer or lower ones (``LAYERS``, lowest first);
- only the report layer imports IPython, and no computation module (``data``, ``measures``,
  ``chapters``) imports the report, pipeline or book layers;
- numbers apart from words: a measure, or a chapter's numbers module (not ``*_view``), imports
  neither the house style (``base.plots``, matplotlib) nor the catalogue's text functions;
- the graph is readable: no module imports by name at run time (``importlib``, ``__import__``);
- the package map in ``helpers/__init__.py`` names every module under its own layer.

Each checker is also run on small made-up trees with one forbidden import, so a checker that
stopped finding anything would fail here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from helpers.base.paths import CODE_ROOT

PACKAGE = CODE_ROOT / "src" / "helpers"
# lowest first; a module at the package's top (cli) is above them all
LAYERS = ("base", "data", "measures", "chapters", "report", "pipeline", "book", "demo", "national")
COMPUTATION = ("data", "measures", "chapters")
PRESENTATION_LAYERS = ("report", "pipeline", "book")
# what a numbers module may take from the catalogue module: the language list, not words
CATALOGUE = "helpers.base.messages"
CATALOGUE_DATA = {"LANGS"}
STYLE = ("helpers.base.plots", "matplotlib", "seaborn")
WHOLE = "the whole module"


# --- reading the graph -----------------------------------------------------------------------
def module_name(path: Path, package: Path) -> str:
    rel = path.relative_to(package.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(package: Path) -> dict[str, Path]:
    """``{dotted name: file}`` of every module of the package (``__pycache__`` aside)."""
    return {module_name(p, package): p for p in sorted(package.rglob("*.py")) if "__pycache__" not in p.parts}


def imports(name: str, path: Path, known: set[str]) -> list[tuple[str, set[str], int]]:
    """What module ``name`` imports: ``(target module, names taken from it, line)``.

    Relative imports are resolved; ``from pkg import mod`` counts as importing ``pkg.mod`` when that
    is a module. A whole module imported (``import x``, ``from pkg import mod``) takes ``WHOLE``. External modules are kept by their dotted name (``IPython.display``).
    """
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, {WHOLE}, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            taken = {alias.name for alias in node.names}
            submodules = {n for n in taken if f"{target}.{n}" in known}
            found += [(f"{target}.{n}", {WHOLE}, node.lineno) for n in sorted(submodules)]
            if taken - submodules:
                found.append((target, taken - submodules, node.lineno))
    return found


def graph(package: Path) -> dict[str, list[tuple[str, set[str], int]]]:
    mods = modules(package)
    known = set(mods)
    return {name: imports(name, path, known) for name, path in mods.items()}


def internal_edges(g) -> dict[str, set[str]]:
    """Module -> the package's own modules it imports (a package's ``__init__`` counts as itself)."""
    return {name: {t for t, _, _ in found if t in g} for name, found in g.items()}


# --- the rules ----------------------------------------------------------------------------------
def layer(name: str) -> int:
    parts = name.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return len(LAYERS) if len(parts) > 1 else -1  # top-level modules above all; the package itself below


def layer_name(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "top"


def cycles(g) -> list[list[str]]:
    """Every import cycle (as the modules of a strongly connected component, sorted), in order."""
    edges = internal_edges(g)
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges[v]:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(out)


def upward_imports(g) -> list[str]:
    problems = []
    for name, found in sorted(g.items()):
        for target, _, line in found:
            if target in g and layer(target) > layer(name) and layer(name) >= 0:
                problems.append(f"{name}:{line} ({layer_name(name)}) imports {target} ({layer_name(target)})")
    return problems


def presentation_in_computation(g) -> list[str]:
    problems = []
    for name, found in sorted(g.items()):
        for target, _, line in found:
            if target.split(".")[0] == "IPython" and layer_name(name) != "report":
                problems.append(f"{name}:{line} imports IPython (only the report layer shows things)")
            elif layer_name(name) in COMPUTATION and target in g and layer_name(target) in PRESENTATION_LAYERS:
                problems.append(f"{name}:{line} (computation) imports {target} ({layer_name(target)})")
    return problems


def is_numbers_module(name: str) -> bool:
    """A measure, or a chapter module that is not a view (``*_view``) or the shared section shapes."""
    kind = layer_name(name)
    last = name.rsplit(".", 1)[-1]
    if kind == "measures":
        return last != "measures"
    return kind == "chapters" and last not in ("chapters", "sections") and not last.endswith("_view")


def words_in_numbers(g) -> list[str]:
    problems = []
    for name, found in sorted(g.items()):
        if not is_numbers_module(name):
            continue
        for target, taken, line in found:
            if target == "helpers.base" and WHOLE in taken:
                problems.append(f"{name}:{line} imports the whole base package (its catalogue and plots with it)")
            elif target.endswith("_view") and target in g:
                problems.append(f"{name}:{line} imports {target}: a view imports the numbers, not the other way round")
            elif target == CATALOGUE and not taken <= CATALOGUE_DATA:
                problems.append(f"{name}:{line} takes words from the catalogue "
                                f"({', '.join(sorted(taken - CATALOGUE_DATA))}): they belong in a *_view module")
            elif any(target == s or target.startswith(s + ".") for s in STYLE):
                problems.append(f"{name}:{line} imports {target}: charts belong in a *_view module")
    return problems


def dynamic_imports(package: Path) -> list[str]:
    """Calls that import a module by name at run time, which no reading of the source can follow."""
    problems = []
    for name, path in modules(package).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                called = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                if called in ("import_module", "__import__"):
                    problems.append(f"{name}:{node.lineno} imports by name ({called})")
    return problems


def map_sections(doc: str) -> dict[str, str]:
    """The package docstring's sections: ``{layer: its text}``, a section being a line that starts
    with ``<layer>/`` and the indented lines under it; top-level modules under ``""``."""
    sections: dict[str, str] = {"": ""}
    current = None
    for line in doc.splitlines():
        head = re.match(r"^(\w+)/(\s|$)", line)
        if head:
            current = head[1]
            sections[current] = line[head.end():]
        elif current is not None and line.startswith((" ", "\t")):
            sections[current] += "\n" + line
        else:
            current = None
            sections[""] += "\n" + line
    return sections


def unmapped(package: Path) -> list[str]:
    """Modules the package docstring does not name under their own layer's section."""
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8"))) or ""
    sections = map_sections(doc)
    missing = []
    for name in modules(package):
        parts = name.split(".")[1:]
        if not parts:
            continue
        where = parts[0] if len(parts) > 1 else ("" if parts[0] not in LAYERS else None)
        if where is None:  # a layer's own package: its section must exist
            if parts[0] not in sections:
                missing.append(name)
            continue
        if not re.search(rf"(?m)^\s*{re.escape(parts[-1])}\b|[\s,(]{re.escape(parts[-1])}\b", sections.get(where, "")):
            missing.append(name)
    return missing


# --- the real package ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real():
    return graph(PACKAGE)


def test_every_layer_exists_and_every_module_is_in_one(real):
    assert {layer_name(n) for n in real} - {"top"} == set(LAYERS)
    top = sorted(n for n in real if layer_name(n) == "top" and n != "helpers")
    assert top == ["helpers.cli"], f"modules outside the layers: {top}"


def test_no_import_cycles(real):
    assert cycles(real) == []


def test_no_module_imports_a_higher_layer(real):
    assert upward_imports(real) == []


def test_computation_imports_neither_ipython_nor_the_publishing_layers(real):
    assert presentation_in_computation(real) == []


def test_numbers_modules_hold_no_words_or_charts(real):
    assert words_in_numbers(real) == []


def test_no_module_imports_by_name_at_run_time():
    assert dynamic_imports(PACKAGE) == []


def test_the_package_map_names_every_module():
    assert unmapped(PACKAGE) == []


# --- the checkers find what they look for ----------------------------------------------------
def make_tree(tmp_path: Path, files: dict[str, str]) -> Path:
    """A made-up ``helpers`` package: ``{relative path: source}``; every folder gets an ``__init__``."""
    package = tmp_path / "helpers"
    for rel, text in {"__init__.py": '"""base data"""\n', **files}.items():
        path = package / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        for folder in [path.parent, *path.parent.parents]:
            if folder == package.parent:
                break
            (folder / "__init__.py").touch()
        path.write_text(text, encoding="utf-8")
    return package


CLEAN = {
    "base/messages.py": "LANGS = ('en', 'ar')\ndef t(key, lang):\n    return key\n",
    "base/plots.py": "import matplotlib\n",
    "data/store.py": "from ..base import messages\n",
    "measures/kpis.py": "from ..base.messages import LANGS\nfrom ..data import store\n",
    "chapters/overview.py": "from ..measures import kpis\n",
    "chapters/overview_view.py": "from ..base import plots\nfrom ..base.messages import t\nfrom . import overview\n",
    "report/publish.py": "from IPython.display import display\nfrom ..chapters import overview_view\n",
    "cli.py": "def main():\n    from .report import publish\n",
}


def test_a_clean_made_up_tree_passes(tmp_path):
    g = graph(make_tree(tmp_path, CLEAN))
    assert cycles(g) == [] and upward_imports(g) == []
    assert presentation_in_computation(g) == [] and words_in_numbers(g) == []


def test_a_cycle_is_found_even_through_an_import_inside_a_function(tmp_path):
    files = {**CLEAN, "data/store.py": "from ..base import messages\ndef f():\n    from . import ingest\n",
             "data/ingest.py": "from .store import f\n"}
    assert cycles(graph(make_tree(tmp_path, files))) == [["helpers.data.ingest", "helpers.data.store"]]


def test_an_upward_import_is_named_with_its_line(tmp_path):
    files = {**CLEAN, "measures/kpis.py": "from ..base.messages import LANGS\n\nfrom ..chapters.overview import x\n"}
    assert upward_imports(graph(make_tree(tmp_path, files))) == [
        "helpers.measures.kpis:3 (measures) imports helpers.chapters.overview (chapters)"]


def test_ipython_or_the_report_layer_in_a_computation_module_is_named(tmp_path):
    files = {**CLEAN, "chapters/overview.py": "import IPython.display\nfrom ..report import publish\n"}
    problems = presentation_in_computation(graph(make_tree(tmp_path, files)))
    assert problems == ["helpers.chapters.overview:1 imports IPython (only the report layer shows things)",
                        "helpers.chapters.overview:2 (computation) imports helpers.report.publish (report)"]


@pytest.mark.parametrize("source, what", [
    ("from ..base.messages import LANGS, t\n", "takes words from the catalogue (t)"),
    ("from .. import base\n", "imports the whole base package"),
    ("from .overview_view import x\n", "a view imports the numbers"),
    ("from ..base import messages\n", "takes words from the catalogue (the whole module)"),
    ("from ..base import plots\n", "imports helpers.base.plots"),
    ("import matplotlib.pyplot as plt\n", "imports matplotlib.pyplot"),
])
def test_words_or_charts_in_a_numbers_module_are_named(tmp_path, source, what):
    files = {**CLEAN, "chapters/overview.py": source}
    problems = words_in_numbers(graph(make_tree(tmp_path, files)))
    assert len(problems) == 1 and problems[0].startswith("helpers.chapters.overview:1 ") and what in problems[0]


def test_a_module_missing_from_the_map_or_under_another_layer_is_named(tmp_path):
    package = make_tree(tmp_path, {"base/messages.py": "", "data/store.py": "", "data/ingest.py": "",
                                   "measures/kpis.py": "", "cli.py": ""})
    doc = "Map.\n\nbase/   shared\n    messages   words\ndata/   edge\n    store, kpis\nmeasures/\ncli   front door\n"
    (package / "__init__.py").write_text(f'"""{doc}"""\n', encoding="utf-8")
    # ingest is nowhere; kpis is named, but under data/, not measures/
    assert unmapped(package) == ["helpers.data.ingest", "helpers.measures.kpis"]


def test_an_import_by_name_at_run_time_is_named(tmp_path):
    package = make_tree(tmp_path, {**CLEAN, "data/store.py": "import importlib\nm = importlib.import_module('x')\n"})
    assert dynamic_imports(package) == ["helpers.data.store:2 imports by name (import_module)"]
