"""``goldbook``: the command line, one subcommand per pipeline stage.

User errors (a bad period, missing files, bad data, a failing notebook) print one clear message
and exit non-zero without a traceback. Anything else is a bug and keeps its traceback.

Each command imports the layers it drives inside its function: they bring pandas, matplotlib,
scipy and papermill (about 3 s), which `goldbook --help` and a mistyped command must not wait for.
These are the only imports inside functions apart from statsmodels and openpyxl (see their notes).
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import nullcontext
from pathlib import Path

from .base.config import parse_period
from .base.messages import LANGS
from .base.paths import get_paths
from .base.periods import PeriodError, kind_of

DEMO_MARKER = ".goldbook-demo"   # written beside generated demo months, so they are never mistaken for real data


class UserError(Exception):
    """A problem the user can fix; printed as is."""


def _user_errors() -> tuple[type[BaseException], ...]:
    from .base.config import ConfigError
    from .book.toc import BookError
    from .national.workspace import NationalError
    from .pipeline.manifest import ManifestError
    from .pipeline.runner import RunError

    return (UserError, PeriodError, RunError, BookError, ConfigError, ManifestError, NationalError, FileNotFoundError,
            NotADirectoryError)


# --- demo-data ---------------------------------------------------------------------------------

def cmd_demo_data(args) -> int:
    from .base.config import load_config
    from .demo import generate as demo

    if args.national:
        return _national_demo(args)
    args.start, args.end = args.start or "2023-01", args.end or "2024-12"
    paths = get_paths(args.root)
    out = Path(args.out) if args.out else paths.raw
    for label, value in (("--start", args.start), ("--end", args.end)):
        if kind_of(value) != "month":
            raise UserError(f"{label} {value}: give a month, YYYY-MM")
    if args.end < args.start:
        raise UserError(f"--end {args.end} is before --start {args.start}")
    marker = out / DEMO_MARKER
    real = [d.name for d in sorted(out.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]")) if d.is_dir()]
    if real and not marker.exists():
        raise UserError(f"{paths.rel(out)} already holds month folders that are not demo data "
                        f"({real[0]} … {real[-1]}); the demo would overwrite them. Use --out DIR for the demo.")
    try:
        summary = demo.generate(out, seed=args.seed, start=args.start, end=args.end, scale=args.scale,
                                cfg=load_config(paths.root), daily=args.daily)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    months = list(summary.get("months", []))
    # what `make clean-demo` may remove, and proof that the months here are generated
    settings = {"seed": args.seed, "start": args.start, "end": args.end, "scale": args.scale, "months": months}
    if args.daily:
        settings["daily"] = months[-1]
    marker.write_text(json.dumps(settings, sort_keys=True) + "\n", encoding="utf-8")
    rows = ", ".join(f"{t} {n:,}" for t, n in summary.get("rows", {}).items())
    print(f"demo data: {len(months)} months ({months[0]} … {months[-1]}) in {paths.rel(out)}/, seed {args.seed}: {rows}")
    return 0


# --- snapshot ----------------------------------------------------------------------------------

def cmd_snapshot(args) -> int:
    from .data import snapshot

    try:
        result = snapshot.take(args.period, dsn_env=args.dsn_env, root=args.root)
    except snapshot.SnapshotError as exc:
        raise UserError(str(exc)) from None
    print(result.report())
    return 0


# --- ingest ------------------------------------------------------------------------------------

def _ingest_months(label: str, root) -> list[str]:
    from .data.ingest import raw_months

    period = parse_period(label, root)
    if period.kind == "month":
        return [period.label]
    months = [m for m in raw_months(root) if m in period.months]
    if not months:
        raise UserError(f"no raw month folder under data/raw/ for {period.label}")
    return months


def cmd_ingest(args) -> int:
    from .data import ingest

    root = get_paths(args.root).root   # what a killed ingest left is cleaned first: each result's notes say so
    if args.all:
        results = ingest.ingest_all(root)
        if not results:
            raise UserError("no month folder (YYYY-MM) under data/raw/: nothing to ingest")
    elif args.period and kind_of(args.period) == "day":
        results = [ingest.ingest_day(args.period, root)]  # with the month's earlier drops not yet ingested
    else:
        results = [ingest.ingest_month(m, root) for m in _ingest_months(args.period, root)]
    for result in results:
        print(result.report(), file=sys.stdout if result.ok else sys.stderr)
    rejected = [r.month for r in results if not r.ok]
    if len(results) > 1:
        print(f"ingest: {len(results) - len(rejected)} of {len(results)} months accepted"
              + (f"; rejected: {', '.join(rejected)}" if rejected else ""))
    return 1 if rejected else 0


# --- run ---------------------------------------------------------------------------------------

def _executor(scheduler: str | None):
    """What runs the notebooks: the Dask cluster at ``--scheduler`` (``pipeline.cluster``), else
    None, the local threads. A scheduler that cannot be reached is a RunError before anything runs."""
    if not scheduler:
        return nullcontext(None)
    from .pipeline import cluster

    return cluster.connect(scheduler)


def cmd_run(args) -> int:
    from .pipeline import runner

    langs = (args.lang,) if args.lang else LANGS
    with _executor(args.scheduler) as executor:
        on = {"executor": executor} if executor is not None else {}
        if args.all:
            results = runner.run_all(args.root, langs=langs, jobs=args.jobs, force=args.force, **on)
        else:
            results = [runner.run_period(args.period, args.root, langs=langs, jobs=args.jobs, force=args.force, **on)]
    counts = {s: sum(r.status == s for r in results) for s in ("published", "skipped", "failed")}
    for result in results:
        if not result.ok:
            print(result.message, file=sys.stderr)
    if len(results) > 1 or counts["skipped"]:
        print(f"run: {counts['published']} published, {counts['skipped']} skipped, {counts['failed']} failed")
    return 1 if counts["failed"] else 0


# --- build -------------------------------------------------------------------------------------

def cmd_build(args) -> int:
    from .book import build

    paths = get_paths(args.root)
    index = build.build_book(paths.root, force=args.force, progress=print)   # says what a killed build left
    print(f"book: {paths.rel(index)} (open it in a browser; English and Arabic)")
    return 0


# --- pdf ---------------------------------------------------------------------------------------

def cmd_pdf(args) -> int:
    from .book import pdf
    from .pipeline import runner

    root = get_paths(args.root).root
    for line in runner.settle(root):  # what a killed run or print left, before the period is read
        print(line, file=sys.stderr)
    for lang in (args.lang,) if args.lang else LANGS:
        print(pdf.print_month(args.period, lang, root).report())
    return 0


# --- verify ------------------------------------------------------------------------------------

def cmd_verify(args) -> int:
    from .pipeline import runner, verify
    from .pipeline.manifest import published_periods

    if args.national or _is_national(args.root):
        return _verify_national(args)
    root = get_paths(args.root).root
    if args.edition is not None and (args.all or args.manifest):
        raise UserError("--edition N checks one edition of one PERIOD, against its own manifest: "
                        "give a PERIOD, without --all or --manifest")
    if args.all:
        periods = published_periods(root)
        if not periods:
            raise UserError("no published period (reports/<period>/manifest.json): run `goldbook run` first")
        if args.manifest:
            raise UserError("--manifest names one period's manifest; give that PERIOD instead of --all")
    else:
        periods = [parse_period(args.period, root).label]
    if args.published_only and args.keep:
        raise UserError("--keep keeps a rebuild; --published-only does not rebuild")
    if args.published_only and args.scheduler:
        raise UserError("--scheduler runs the rebuild on a cluster; --published-only does not rebuild")
    for line in runner.settle(root, adopt=False):  # what a killed run left: before anything is read
        print(line, file=sys.stderr)
    failed = []
    edition = {"edition": args.edition} if args.edition is not None else {}
    with _executor(args.scheduler) as executor:
        on = {"executor": executor} if executor is not None else {}
        for label in periods:
            if args.published_only:
                result = verify.verify_published(label, root, manifest=args.manifest, **edition)
            else:
                result = verify.verify(label, root, manifest=args.manifest, keep=args.keep, **edition, **on)
            print(result.report(), file=sys.stdout if result.ok else sys.stderr)
            if not result.ok:
                failed.append(label)
    if args.edition is None:   # an earlier edition has no pages in the book
        failed += [label for label in _check_book_pages(periods, root) if label not in failed]
    if len(periods) > 1:
        print(f"verify: {len(periods) - len(failed)} of {len(periods)} periods identical"
              + (f"; not identical: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def _check_book_pages(periods: list[str], root) -> list[str]:
    """Check each period's pages in ``_build/html`` against the build manifest
    (``book.audit.check_pages``), print the outcome; return the periods whose pages differ."""
    from .book import audit

    results = [audit.check_pages(label, root) for label in periods]
    if not any(r.checked for r in results):
        print(audit.NO_BUILD)
        return []
    for result in results:
        print(result.report(), file=sys.stdout if result.ok else sys.stderr)
    anchor = audit.check_ledger_anchor(root)
    if anchor:   # the ledger every period was checked against is itself not the one the book recorded
        print(f"ledger: {anchor}", file=sys.stderr)
        return list(periods)
    return [r.period for r in results if not r.ok]


# --- national ----------------------------------------------------------------------------------

def _is_national(root) -> bool:
    """A national workspace (``national.yaml``) that is not itself an entity's data root."""
    paths = get_paths(root)
    return (paths.root / "national.yaml").is_file() and not (paths.config / "entity.yaml").is_file()


def _national_demo(args) -> int:
    from .national import demo as national_demo

    workspace = Path(args.out).resolve() if args.out else get_paths(args.root).root
    start, end = args.start or national_demo.DEFAULTS["start"], args.end or national_demo.DEFAULTS["end"]
    for label, value in (("--start", start), ("--end", end)):
        if kind_of(value) != "month":
            raise UserError(f"{label} {value}: give a month, YYYY-MM")
    if end < start:
        raise UserError(f"--end {end} is before --start {start}")
    if args.daily:
        raise UserError("--daily writes one entity's last month as day drops; it does not go with --national")
    if (workspace / "config" / "entity.yaml").is_file():
        raise UserError(f"{workspace.name}/ is an entity's data root (it has config/entity.yaml): give the national "
                        f"workspace, an empty folder or an earlier national demo, with --root DIR or --out DIR")
    if (workspace / "national.yaml").is_file() and not (workspace / national_demo.MARKER).is_file():
        raise UserError(f"{workspace.name}/ holds a national.yaml that the demo did not write; the demo would "
                        f"overwrite it. Use another folder.")
    try:
        summary = national_demo.write_workspace(workspace, entities=args.entities, seed=args.seed, start=start,
                                                end=end, scale=args.scale, progress=print)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    rows = ", ".join(f"{t} {n:,}" for t, n in summary["rows"].items())
    months = summary["months"]
    print(f"national demo: {summary['entities']} entities, {summary['centres']} centres, {len(months)} months "
          f"({months[0]} … {months[-1]}) in {workspace.name}/, seed {args.seed}: {rows}")
    return 0


def cmd_national_refresh(args) -> int:
    from .national import refresh

    langs = (args.lang,) if args.lang else LANGS
    with _executor(args.scheduler) as executor:
        results = refresh.refresh(args.root, jobs=args.jobs, langs=langs, force=args.force,
                                  entities=args.entity or None, executor=executor)
    failed = [r for r in results if not r.ok]
    for result in failed:
        for problem in result.problems:
            print(f"{result.entity_id}: {problem}", file=sys.stderr)
    months = sum(len(r.published) for r in results)
    print(f"national refresh: {len(results)} entities, {months} entity-months published, "
          f"{sum(len(r.skipped) for r in results)} unchanged"
          + (f"; with problems: {', '.join(r.entity_id for r in failed)}" if failed else ""))
    return 1 if failed else 0


def cmd_national_build(args) -> int:
    from .national import book, publish
    from .national.workspace import get_workspace

    publish.publish_all(args.root, force=args.force, progress=print)
    index = book.build_book(args.root)
    print(f"national book: {get_workspace(args.root).rel(index)} (open it in a browser; English and Arabic)")
    return 0


def _verify_national(args) -> int:
    from .national import sources, verify
    from .national.workspace import get_workspace, load_settings

    for flag, given in (("--manifest", args.manifest), ("--edition", args.edition is not None),
                        ("--published-only", args.published_only), ("--scheduler", getattr(args, "scheduler", None))):
        if given:
            raise UserError(f"{flag} is for an entity's periods; a national period is verified from its listed "
                            f"entity tables (give PERIOD or --all with --national)")
    ws = get_workspace(args.root)
    if args.all:
        periods = [p for p in sources.national_periods(ws, load_settings(ws.root))
                   if (ws.period_reports(p) / "manifest.json").is_file()]
        if not periods:
            raise UserError("no published national period (national/reports/<period>/manifest.json): "
                            "run `goldbook national build` first")
    else:
        periods = [args.period]
    failed = []
    for period in periods:
        result = verify.verify(period, ws.root, keep=args.keep)
        print(result.report(), file=sys.stdout if result.ok else sys.stderr)
        if not result.ok:
            failed.append(period)
    if len(periods) > 1:
        print(f"verify: {len(periods) - len(failed)} of {len(periods)} national periods identical"
              + (f"; not identical: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


# --- status ------------------------------------------------------------------------------------

def status_rows(root) -> list[dict]:
    """One row per month seen anywhere (raw, processed or reports) and per other published period:
    ``period, raw, ingested, edition, report`` where edition is the current edition's number in
    the ledger (``-`` when none) and report is ``current``, ``stale: <why>`` (``stale_reasons``:
    which inputs, config, code or lock changed since it ran) or ``-``."""
    from .data.ingest import raw_months
    from .pipeline import ledger, manifest, runner

    paths = get_paths(root)
    raw = set(raw_months(paths.root))
    processed = set(runner.processed_months(paths.root))
    in_order = manifest.published_periods(paths.root)
    published = set(in_order)
    labels = sorted(raw | processed | {p for p in published if kind_of(p) == "month"})
    labels += [p for p in in_order if kind_of(p) != "month"]
    rows = []
    for label in labels:
        report = "-"
        if label in published:
            try:
                recorded = manifest.read_manifest(label, paths.root) or {}
                why = stale_reasons(recorded, manifest.fingerprint(label, paths.root))
                report = "current" if not why else "stale: " + ", ".join(why)
            except Exception:  # noqa: BLE001 - e.g. its month is no longer processed
                report = "stale: its data can no longer be read (is its month still ingested?)"
        kind = kind_of(label)
        edition = ledger.current_edition(label, paths.root) if label in published else 0
        rows.append({
            "period": label,
            "raw": ("yes" if label in raw else "no") if kind == "month" else "",
            "ingested": ("yes" if label in processed else "no") if kind == "month" else "",
            "edition": str(edition) if edition else "-",
            "report": report,
        })
    return rows


def stale_reasons(recorded: dict, now: dict) -> list[str]:
    """Why a manifest is not current, in brief: ``inputs changed (2024-05)`` naming the raw months
    (or ``initiatives``) whose files changed, ``config changed``, ``code changed``, ``lock changed``."""
    from .pipeline.manifest import recorded_fingerprint

    before = recorded_fingerprint(recorded)
    out = []
    old = {i.get("path"): (i.get("sha256"), i.get("rows")) for i in before.get("inputs") or []}
    new = {i.get("path"): (i.get("sha256"), i.get("rows")) for i in now.get("inputs") or []}
    changed = sorted({_input_group(p) for p in set(old) | set(new) if old.get(p) != new.get(p)})
    if changed:
        out.append(f"inputs changed ({', '.join(changed)})")
    for key, what in (("config", "config changed"), ("code", "code changed"), ("lock", "lock changed"),
                      ("period", "period settings changed")):
        if before.get(key) != now.get(key):
            out.append(what)
    return out


def _input_group(path: str) -> str:
    """``data/raw/2024-05/surveys.csv`` -> ``2024-05``; a top-level raw file -> its stem."""
    parts = Path(str(path)).parts
    return parts[2] if len(parts) > 3 else Path(str(path)).stem


def cmd_status(args) -> int:
    from .pipeline import runner

    for line in runner.settle(get_paths(args.root).root, adopt=False):  # what a killed run left
        print(line, file=sys.stderr)
    rows = status_rows(args.root)
    if not rows:
        print("nothing yet: put exports in data/raw/YYYY-MM/ (or run `goldbook demo-data`), then `goldbook ingest --all`")
        return 0
    header = {"period": "period", "raw": "raw", "ingested": "ingested", "edition": "edition", "report": "report"}
    if all(r["edition"] == "-" for r in rows):  # nothing in the ledger: no column of dashes
        del header["edition"]
    widths = {k: max(len(str(r[k])) for r in [header, *rows]) for k in header}
    for row in [header, *rows]:
        print("  ".join(str(row[k]).ljust(widths[k]) for k in header).rstrip())
    return 0


# --- open (the analyst's workbench) -------------------------------------------------------------

def cmd_open(args) -> int:
    from .report import scratch

    try:
        opened = scratch.open_chapter(args.period, args.chapter, lang=args.lang, root=args.root, fresh=args.fresh)
    except scratch.ScratchError as exc:
        raise UserError(str(exc)) from None
    if not opened.created:
        print("kept your earlier copy (it may hold your work); --fresh writes a new one over it", file=sys.stderr)
    print(opened.path, flush=True)
    if args.no_browser:
        return 0
    root = get_paths(args.root).root
    try:
        return scratch.run_lab(scratch.lab_command(root, opened.path))
    except scratch.ScratchError as exc:
        raise UserError(str(exc)) from None


# --- serve -------------------------------------------------------------------------------------

def cmd_serve(args) -> int:
    from .book import serve

    try:
        return serve.serve(args.root, port=args.port, bind=args.bind, say=lambda line: print(line, flush=True))
    except serve.ServeError as exc:
        raise UserError(str(exc)) from None


# --- the parser --------------------------------------------------------------------------------

def _period_or_all(sub: argparse.ArgumentParser, what: str) -> None:
    sub.add_argument("period", nargs="?", metavar="PERIOD", help=f"the {what}")
    sub.add_argument("--all", action="store_true", help="every one there is")


def _scheduler_option(sub: argparse.ArgumentParser, what: str) -> None:
    sub.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                     help=f"run {what} on this Dask cluster instead of --jobs local kernels; every worker needs "
                          "this checkout with `make env`, and the data root at the same path (README)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="goldbook",
        description="Gold Book: raw centre data → validated store → executed notebooks → published book.",
        epilog="Periods: YYYY-MM-DD (day), YYYY-Www (week, from config calendar.week_starts; Mon = ISO), "
               "YYYY-MM (month), YYYY (year). "
               "The usual order: ingest, run, build.",
        formatter_class=lambda prog: argparse.HelpFormatter(prog, max_help_position=24),
    )
    parser.add_argument("--root", metavar="DIR", default=None,
                        help="the data root (config/, data/, reports/); default $GOLDBOOK_ROOT or this checkout")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = subs.add_parser("demo-data", help="generate the deterministic demo raw data (24 months by default)",
                        description="Write synthetic raw exports for the model case, month by month, "
                                    "and the ground truth that only tests read. Same seed, same bytes.")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="folder for the month folders (default data/raw/); the ground truth goes to ../truth/")
    p.add_argument("--start", default=None, metavar="YYYY-MM",
                   help="first month (default 2023-01; --national: 2024-11)")
    p.add_argument("--end", default=None, metavar="YYYY-MM", help="last month (default 2024-12, also with --national)")
    p.add_argument("--scale", type=float, default=1.0, help="volume multiplier (default 1.0, about 1,500 transactions a working day)")
    p.add_argument("--daily", action="store_true",
                   help="write the last month as day drops (YYYY-MM/YYYY-MM-DD/ tickets, surveys, feedback)")
    p.add_argument("--national", action="store_true",
                   help="write a national workspace instead (--root DIR or --out DIR): national.yaml and "
                        "entities/<id>/, each a data root with its own config and raw months; --scale multiplies "
                        "each entity's volume, 2%% of the model case's at 1.0 (README: A national programme)")
    p.add_argument("--entities", type=int, default=32, metavar="N",
                   help="--national: how many entities (default 32: 100 centres)")
    p.set_defaults(func=cmd_demo_data)

    p = subs.add_parser("snapshot", help="read a month's or a day's tables from PostgreSQL into raw files",
                        description="Read the contract's tables for PERIOD (YYYY-MM, or YYYY-MM-DD for tickets, "
                                    "surveys and feedback) from PostgreSQL, as config/snapshot.yaml maps them, and "
                                    "write them as raw CSV files and source.json in data/raw/. The connection string "
                                    "is read from an environment variable, never from a file, and never shown. "
                                    "Existing raw files are never overwritten. Then: goldbook ingest.")
    p.add_argument("period", metavar="PERIOD", help="the month (YYYY-MM) or day (YYYY-MM-DD)")
    p.add_argument("--dsn-env", metavar="VAR", default="GOLDBOOK_DSN",
                   help="the environment variable holding the connection string (default GOLDBOOK_DSN)")
    p.set_defaults(func=cmd_snapshot)

    p = subs.add_parser("ingest", help="validate a month's raw files and add them to the processed store",
                        description="Check every raw file of the month against the data contract and report "
                                    "every problem at once (file, line, column, value, rule). A month with any "
                                    "problem writes nothing. Exit 1 if any month is rejected.")
    _period_or_all(p, "month (YYYY-MM; a month of day drops: each new drop, in order), a day drop "
                      "(YYYY-MM-DD, in data/raw/YYYY-MM/YYYY-MM-DD/), or a year for each of its months")
    p.set_defaults(func=cmd_ingest)

    p = subs.add_parser("run", help="execute a period's notebooks into reports/<period>/",
                        description="Run every notebook serving the period, in English and Arabic, and publish "
                                    "the executed notebooks, tables, figures and manifest only if all succeed. "
                                    "Periods whose inputs, config and code are unchanged are skipped. --all: "
                                    "every processed month, each year, and the archive span of weeks and days "
                                    "(config archive:, by default every complete week of the latest quarter and "
                                    "every working day of the latest month).")
    _period_or_all(p, "period to run")
    p.add_argument("--lang", choices=LANGS, help="one language only (default both)")
    p.add_argument("--force", action="store_true", help="run even if nothing changed")
    p.add_argument("--jobs", type=int, default=2, metavar="N", help="notebooks run at once (default 2)")
    _scheduler_option(p, "the notebooks")
    p.set_defaults(func=cmd_run)

    p = subs.add_parser("build", help="build the book into _build/html from the executed notebooks",
                        description="Generate the table of contents and pages from reports/ and build the "
                                    "Jupyter Book with execution off: the notebooks were executed by `run`. "
                                    "All or nothing: the book is built and checked beside _build/html and "
                                    "swapped in only when it passes; a failed build leaves _build/html as it was.")
    p.add_argument("--force", action="store_true", help="rebuild every page, even if nothing changed")
    p.set_defaults(func=cmd_build)

    p = subs.add_parser("pdf", help="print a month's page and chapters from the built book into one A4 PDF",
                        description="Print the month's page (its executive summary) and its chapters from the "
                                    "built book (_build/html) with headless Chromium: A4, right to left in Arabic, "
                                    "figures included, a footer with the period, the edition and the page numbers. "
                                    "The PDF goes to reports/<period>/print/<period>-<lang>.pdf and is listed in "
                                    "the period's manifest (a ledger line for the same edition); the same book "
                                    "gives the same bytes. A rerun of the period drops it. Then: goldbook build "
                                    "links it from the month page.")
    p.add_argument("period", metavar="PERIOD", help="the month (YYYY-MM)")
    p.add_argument("--lang", choices=LANGS, help="one language only (default both)")
    p.set_defaults(func=cmd_pdf)

    p = subs.add_parser("verify", help="rebuild a published period from its raw files and prove it identical",
                        description="Rebuild the period in a clean temporary folder and compare every output "
                                    "with its manifest. Exit 0 with 'N of N outputs identical', otherwise say "
                                    "what differs and why (input files, config, code, lock). The files in "
                                    "reports/<period>/ must match the manifest too, and the manifest must be the one "
                                    "the ledger (reports/ledger.jsonl) names; --published-only checks only "
                                    "them. --edition N checks an earlier edition against its own inputs.")
    _period_or_all(p, "published period to verify")
    p.add_argument("--manifest", metavar="FILE", help="the published manifest to check against (default reports/<period>/manifest.json)")
    p.add_argument("--keep", action="store_true", help="keep the temporary rebuild for inspection")
    p.add_argument("--published-only", action="store_true",
                   help="only check the files in reports/<period>/ against the manifest, without rebuilding")
    p.add_argument("--edition", type=int, metavar="N",
                   help="check edition N of the period (an earlier one is in reports/<period>/editions/N/), "
                        "rebuilt from its own raw inputs")
    _scheduler_option(p, "the rebuild's notebooks")
    p.add_argument("--national", action="store_true",
                   help="PERIOD is a national period of the workspace at --root: rebuild its tables from the entity "
                        "tables its manifest lists and prove them identical (the default in a national workspace)")
    p.set_defaults(func=cmd_verify)

    p = subs.add_parser("national", help="a national workspace: refresh its entities, build the comparison book",
                        description="Commands for a national workspace (--root DIR: national.yaml and entities/<id>/, "
                                    "each entity a data root of its own). `goldbook demo-data --national` writes one.")
    national = p.add_subparsers(dest="national_command", metavar="STEP", required=True)
    q = national.add_parser("refresh", help="ingest every entity's raw months and run its monthly reports",
                            description="For each entity of national.yaml: `ingest --all`, then `run` of each "
                                        "processed month (every monthly notebook, unchanged months skipped), "
                                        "--jobs entities at once. Exit 1 if any entity has a rejected month or "
                                        "a failed run; the others are still refreshed.")
    q.add_argument("--jobs", type=int, default=2, metavar="N", help="entities refreshed at once (default 2)")
    q.add_argument("--lang", choices=LANGS, help="one language only (default both; the tables are the same)")
    q.add_argument("--force", action="store_true", help="rerun months even if nothing changed")
    q.add_argument("--entity", action="append", metavar="ID", help="only this entity (repeatable)")
    _scheduler_option(q, "the entities' notebooks")
    q.set_defaults(func=cmd_national_refresh)
    q = national.add_parser("build", help="publish the national periods and build the national book",
                            description="Make each national month and year from the entities' published tables "
                                        "(located and checked through their manifests), with a manifest listing "
                                        "what it read, into national/reports/<period>/; then build the bilingual "
                                        "book into national/_build/html. Unchanged periods are left as they are.")
    q.add_argument("--force", action="store_true", help="remake every national period")
    q.set_defaults(func=cmd_national_build)
    q = national.add_parser("verify", help="rebuild a national period from its entity tables, prove it identical",
                            description="As `goldbook verify --national`: check the entity files the period's "
                                        "manifest lists, rebuild its tables and figures from them in a clean folder, "
                                        "compare every output and the published files with the manifest.")
    _period_or_all(q, "national period (YYYY-MM or YYYY)")
    q.add_argument("--keep", action="store_true", help="keep the temporary rebuild for inspection")
    q.set_defaults(func=_verify_national, manifest=None, edition=None, published_only=False, scheduler=None)

    p = subs.add_parser("status", help="which months are raw, ingested and run, and whether reports are current",
                        description="List every month with raw files, processed data or a report, and every other "
                                    "published period, with its current edition; 'stale: why' says which "
                                    "inputs (raw months), config, code or lock changed since it ran.")
    p.set_defaults(func=cmd_status)

    p = subs.add_parser("open", help="copy a chapter for a period into scratch/ and open it in JupyterLab",
                        description="Copy the chapter's template (notebooks/NN_<chapter>.ipynb) with its parameters "
                                    "filled in (period, lang and the data root) to scratch/<period>/ in the data "
                                    "root, print its path and open JupyterLab on it. scratch/ is git-ignored and never "
                                    "published; what the copy writes goes to scratch/outputs/, never to reports/. "
                                    "An earlier copy is kept unless --fresh.")
    p.add_argument("period", metavar="PERIOD", help="the period to explore")
    p.add_argument("chapter", metavar="CHAPTER",
                   help="the chapter by name: overview, channels, satisfaction, … (notebooks/NN_<name>.ipynb)")
    p.add_argument("--lang", choices=LANGS, default="en", help="the copy's language (default en)")
    p.add_argument("--no-browser", action="store_true", help="only write the copy and print its path")
    p.add_argument("--fresh", action="store_true", help="write a new copy over an earlier one")
    p.add_argument("--root", metavar="DIR", default=argparse.SUPPRESS, help="the data root (as goldbook --root DIR)")
    p.set_defaults(func=cmd_open)

    p = subs.add_parser("serve", help="serve the built book (_build/html) to colleagues on this network",
                        description="Serve _build/html over HTTP until Ctrl-C and print the URLs to open: "
                                    "http://localhost:PORT/ here, http://<this machine's address>:PORT/ for "
                                    "colleagues on the same network segment. Static files only, no listings.")
    p.add_argument("--port", type=int, default=8000, metavar="N", help="the port (default 8000; 0: any free one)")
    p.add_argument("--bind", default="0.0.0.0", metavar="ADDRESS",
                   help="the address to listen on (default 0.0.0.0: every IPv4 interface; 127.0.0.1: this machine)")
    p.add_argument("--root", metavar="DIR", default=argparse.SUPPRESS, help="the data root (as goldbook --root DIR)")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if hasattr(args, "all") and bool(args.all) == bool(args.period):
        parser.error(f"{args.command}: give a PERIOD or --all (one of them)")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"goldbook {args.command}: interrupted; nothing half-written was published", file=sys.stderr)
        return 130
    except _user_errors() as exc:
        print(f"goldbook {args.command}: {_message(exc)}", file=sys.stderr)
        return 1


def _message(exc: BaseException) -> str:
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)) and exc.filename:
        return f"{exc.strerror or 'not found'}: {exc.filename}"
    return str(exc)


if __name__ == "__main__":
    sys.exit(main())
