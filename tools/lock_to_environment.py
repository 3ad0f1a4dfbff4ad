"""Write environment.yml from uv.lock, so conda users get exactly the locked packages.

Every package in the lock (the project's runtime and dev dependencies, transitively) is pinned
``==`` its locked version, with the platform or Python condition under which the lock installs
it (``colorama==… ; sys_platform == 'win32'``); a package locked at two versions for two
Python ranges appears twice with complementary conditions. The project itself is installed
editable. Run by ``make lock``; ``tests/test_environment.py`` checks the file matches the lock.

    python tools/lock_to_environment.py [--lock uv.lock] [--out environment.yml] [--check]
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "# Generated from uv.lock by tools/lock_to_environment.py (`make lock`); do not edit.\n"

# A condition in disjunctive normal form: a set of conjunctions, each a frozenset of marker
# strings. {frozenset()} is "always"; the empty set is "never".
Condition = frozenset


def _and(a: Condition, b: Condition) -> Condition:
    return _simplify(frozenset(x | y for x in a for y in b))


def _or(a: Condition, b: Condition) -> Condition:
    return _simplify(a | b)


def _simplify(c: Condition) -> Condition:
    """Drop conjunctions implied by a smaller one (``A or (A and B)`` is ``A``)."""
    return frozenset(x for x in c if not any(y < x for y in c))


ALWAYS: Condition = frozenset({frozenset()})
NEVER: Condition = frozenset()


def _edge(marker: str | None) -> Condition:
    return ALWAYS if not marker else frozenset({frozenset({marker})})


def _render(c: Condition) -> str:
    """The condition as a PEP 508 marker ('' for always)."""
    if frozenset() in c:
        return ""

    def atom(m: str) -> str:
        return f"({m})" if " or " in m else m

    terms = sorted(" and ".join(atom(m) for m in sorted(conj)) for conj in c)
    if len(terms) == 1:
        return terms[0]
    return " or ".join(f"({t})" if " and " in t else t for t in terms)


def locked_packages(lock: dict) -> dict[tuple[str, str], str]:
    """``{(name, version): marker}`` for every registry package the project installs."""
    packages = lock["package"]
    by_name: dict[str, list[dict]] = {}
    for p in packages:
        by_name.setdefault(p["name"], []).append(p)
    project = [p for p in packages if "editable" in p.get("source", {}) or "virtual" in p.get("source", {})]
    if len(project) != 1:
        raise SystemExit(f"expected one editable project in the lock, found {len(project)}")

    def targets(dep: dict) -> list[dict]:
        found = by_name.get(dep["name"], [])
        if "version" in dep:
            found = [p for p in found if p["version"] == dep["version"]]
        if not found:
            raise SystemExit(f"the lock names {dep['name']} {dep.get('version', '')} but does not define it")
        return found

    def edges(pkg: dict, extras: frozenset[str]):
        deps = list(pkg.get("dependencies", []))
        for extra in sorted(extras):
            deps += pkg.get("optional-dependencies", {}).get(extra, [])
        return deps

    root = project[0]
    root_deps = list(root.get("dependencies", []))
    for group in sorted(root.get("dev-dependencies", {})):
        root_deps += root["dev-dependencies"][group]

    # condition under which each (name, version, extras) is installed; propagate to a fixed point
    cond: dict[tuple[str, str, frozenset[str]], Condition] = {}
    todo = []
    for dep in root_deps:
        for target in targets(dep):
            key = (target["name"], target["version"], frozenset(dep.get("extra", [])))
            cond[key] = _or(cond.get(key, NEVER), _edge(dep.get("marker")))
            todo.append(key)
    index = {(p["name"], p["version"]): p for p in packages}
    while todo:
        key = todo.pop()
        pkg = index[(key[0], key[1])]
        for dep in edges(pkg, key[2]):
            for target in targets(dep):
                child = (target["name"], target["version"], frozenset(dep.get("extra", [])))
                new = _or(cond.get(child, NEVER), _and(cond[key], _edge(dep.get("marker"))))
                if new != cond.get(child):
                    cond[child] = new
                    todo.append(child)

    merged: dict[tuple[str, str], Condition] = {}
    for (name, version, _extras), c in cond.items():
        if "registry" not in index[(name, version)].get("source", {}):
            continue
        merged[(name, version)] = _or(merged.get((name, version), NEVER), c)
    return {key: _render(c) for key, c in sorted(merged.items())}


def environment_yml(lock: dict) -> str:
    python = lock.get("requires-python", "==3.11.*").lstrip("=<>~!").split(".*")[0].split(",")[0]
    lines = [HEADER, "name: goldbook\n", "channels:\n", "  - conda-forge\n", "dependencies:\n",
             f"  - python={python}\n", "  - pip\n", "  - pip:\n"]
    for (name, version), marker in locked_packages(lock).items():
        pin = f"{name}=={version}" + (f" ; {marker}" if marker else "")
        lines.append(f'      - "{pin}"\n')
    lines.append('      - "-e ."\n')
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=ROOT / "uv.lock")
    parser.add_argument("--out", type=Path, default=ROOT / "environment.yml")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is not what the lock gives")
    args = parser.parse_args(argv)
    text = environment_yml(tomllib.loads(args.lock.read_text(encoding="utf-8")))
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out.name} {'matches' if same else 'does NOT match'} {args.lock.name}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out.name}: {text.count('==')} packages pinned from {args.lock.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
