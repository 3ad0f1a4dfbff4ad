"""The national comparison book: MyST pages from the national periods' tables and figures, built
offline with Jupyter Book 1 as the entities' books are (``book.build``'s configuration, theme,
Sphinx extension, Arabic theme labels and safety check).

Pages, in English and Arabic (``index.md`` and ``ar/index.md`` are the landing pages; every other
page is ``<lang>/...``, so the book's Sphinx extension marks Arabic pages right to left, links each
page to its twin and keeps previous/next within a language):

- the landing page: the latest month in brief, every month and year;
- one page per national month and per year (``period_page``): the summary, digital take-up by
  entity against the national target, the centres ranked on CSAT, service level and digital
  take-up, the readiness classes, the centres that improved most and who is compared;
- Methods (how the comparison is made) and Audit (each period's manifest and how to verify it).

The book is built in ``national/_build/.work`` and copied to a temporary sibling of
``national/_build/html``; that copy is scanned (``book.check.check_published``) and swapped in only
when it passes, so a failed build leaves the published book as it was.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pandas as pd
import yaml

from ..base.files import replace_dir, write_if_changed
from ..base.messages import LANGS, escape_markdown, fmt_num, period_title, t
from ..base.paths import CODE_ROOT
from ..base.periods import parse
from ..book.build import ASSETS_DIR, CONFIG_FILE, GENERATED_NOTE, copy_tree, exclude_patterns
from ..book.check import check_published
from ..book.chrome import localise_book
from ..book.pages import bilingual, front_matter, link, md_code, md_table
from ..book.toc import BookError, page_language
from . import compare_view, sources
from .publish import MANIFEST_NAME, read_manifest
from .tables import RANKED, TABLE_NAMES
from .workspace import Settings, Workspace, get_workspace, load_settings

# text columns of the national tables (everything else is a number)
_TEXT = {"entity_id": str, "centre_id": str, "kind": str, "month": str, "classification": str, "metric": str,
         "measure": str, "status": str}


def _raw(html: str) -> str:
    return f"```{{raw}} html\n{html}\n```\n"


def _period_page(lang: str, period: str) -> str:
    return f"{lang}/{'months' if len(period) == 7 else 'years'}/{period}.md"


def _landing(lang: str) -> str:
    return "index.md" if lang == LANGS[0] else f"{lang}/index.md"


def read_tables(ws: Workspace, period: str) -> dict[str, pd.DataFrame]:
    folder = ws.period_reports(period) / "tables"
    return {name: pd.read_csv(folder / f"{name}.csv", dtype=_TEXT, keep_default_na=True) for name in TABLE_NAMES}


def _figure(ws: Workspace, period: str, lang: str, name: str, here: str) -> str:
    """A Markdown image of the period's figure ``name`` in ``lang`` (through ``book/reports``), or ""."""
    path = ws.period_reports(period) / "figures" / lang / f"{name}.svg"
    if not path.is_file():
        return ""
    alt = t(f"national.figure.{name}", lang).replace("[", "").replace("]", "")
    target = os.path.relpath(f"reports/{period}/figures/{lang}/{name}.svg", os.path.dirname(here) or ".")
    return f"![{alt}]({Path(target).as_posix()})\n"


def period_page(ws: Workspace, infos: dict, period: str, lang: str) -> str:
    """A national month's or year's page in ``lang`` (see the module)."""
    here = _period_page(lang, period)
    found = read_tables(ws, period)
    names = compare_view.Names(infos, lang)
    manifest = read_manifest(ws, period) or {}
    missing = list(manifest.get("missing") or [])
    title = period_title(parse(period), lang)
    out = [front_matter(lang), f"# {t('national.book.period_title', lang, period=title)}\n",
           t("national.book.period_intro", lang) + "\n",
           "\n\n".join(compare_view.summary_sentences(found["national_summary"], found["national_take_up"],
                                                      missing, names)) + "\n",
           f"## {t('national.book.h.take_up', lang)}\n", t("national.book.take_up_note", lang) + "\n",
           _figure(ws, period, lang, "take_up", here),
           _raw(compare_view.html_table(compare_view.take_up_display(found["national_take_up"], names), lang))]
    for measure in RANKED:
        rank = found[f"national_rank_{measure}"]
        out += [f"## {t('national.book.h.rank', lang, measure=compare_view.measure_label(measure, lang))}\n",
                "\n\n".join(compare_view.ranking_sentences(rank, measure, names)) + "\n"]
        if measure == "csat":
            out.append(_figure(ws, period, lang, "shrinkage_csat", here))
        out.append(_raw(compare_view.ranking_html(rank, names)))
    out += [f"## {t('national.book.h.readiness', lang)}\n", t("national.book.readiness_note", lang) + "\n",
            _figure(ws, period, lang, "readiness", here),
            _raw(compare_view.html_table(compare_view.readiness_display(found["national_readiness"], lang), lang)),
            f"## {t('national.book.h.improved', lang)}\n",
            t(f"national.book.improved_note.{'month' if len(period) == 7 else 'year'}", lang) + "\n",
            "\n\n".join(compare_view.improved_sentences(found["national_improved"], names)) + "\n",
            _raw(compare_view.html_table(compare_view.improved_display(found["national_improved"], names), lang)),
            f"## {t('national.book.h.coverage', lang)}\n",
            _raw(compare_view.html_table(compare_view.coverage_display(found["national_coverage"], names), lang)),
            t("national.book.verify", lang) + " " + md_code(f"goldbook verify --national {period}") + "\n"]
    return "\n".join(part for part in out if part)


def list_page(lang: str, kind: str, periods: list[str]) -> str:
    here = f"{lang}/{kind}.md"
    out = [front_matter(lang), f"# {t(f'national.book.{kind}.title', lang)}\n",
           t(f"national.book.{kind}.intro", lang) + "\n"]
    out += [f"- {link(period_title(parse(p), lang), _period_page(lang, p), here)}" for p in reversed(periods)]
    return "\n".join(out) + "\n"


def landing_page(ws: Workspace, settings: Settings, infos: dict, months: list[str], years: list[str], lang: str) -> str:
    here = _landing(lang)
    name = escape_markdown(settings.name(lang))
    out = [front_matter(lang), f"# {t('national.book.title', lang, programme=name)}\n",
           t("national.book.intro", lang, programme=name, entities=fmt_num(len(settings.entities), lang)) + "\n"]
    if months:
        latest = months[-1]
        found = read_tables(ws, latest)
        names = compare_view.Names(infos, lang)
        missing = list((read_manifest(ws, latest) or {}).get("missing") or [])
        out += [f"## {t('national.book.latest', lang, period=period_title(parse(latest), lang))}\n",
                "\n\n".join(compare_view.summary_sentences(found["national_summary"], found["national_take_up"],
                                                           missing, names)) + "\n",
                link(t("national.book.read_month", lang), _period_page(lang, latest), here) + "\n"]
    out += [f"## {t('national.book.months.title', lang)}\n"]
    out += [f"- {link(period_title(parse(p), lang), _period_page(lang, p), here)}" for p in reversed(months)]
    out += ["", f"## {t('national.book.years.title', lang)}\n"]
    out += [f"- {link(period_title(parse(p), lang), _period_page(lang, p), here)}" for p in reversed(years)]
    out += ["", f"## {t('national.book.more', lang)}\n",
            f"- {link(t('national.book.methods.title', lang), f'{lang}/methods.md', here)}",
            f"- {link(t('national.book.audit.title', lang), f'{lang}/audit.md', here)}"]
    return "\n".join(out) + "\n"


def methods_page(settings: Settings, lang: str) -> str:
    ranking, targets = settings.ranking, settings.targets
    out = [front_matter(lang), f"# {t('national.book.methods.title', lang)}\n"]
    for key in ("sources", "kinds", "interval", "shrinkage", "rank", "take_up", "readiness", "improved", "year"):
        out.append(t(f"national.methods.{key}", lang, confidence=fmt_num(100 * float(ranking["confidence"]), lang),
                     min_base=fmt_num(int(ranking["min_base"]), lang), top=fmt_num(int(ranking["improved"]), lang),
                     near=fmt_num(100 * float(ranking["near"]), lang, 1)) + "\n")
    rows = [[escape_markdown(compare_view.measure_label("take_up" if m == "digital_take_up" else m, lang)),
             escape_markdown(fmt_num(100 * v, lang, 1) + "%")] for m, v in targets.items()]
    out += [f"## {t('national.book.h.targets', lang)}\n", md_table([t("national.col.measure", lang),
                                                                   t("national.col.target", lang)], rows)]
    return "\n".join(out)


def audit_page(ws: Workspace, periods: list[str], lang: str) -> str:
    out = [front_matter(lang), f"# {t('national.book.audit.title', lang)}\n",
           t("national.book.audit.intro", lang) + "\n"]
    rows = []
    for period in periods:
        manifest = read_manifest(ws, period) or {}
        listing = manifest.get("inputs") or []
        rows.append([escape_markdown(period), fmt_num(len({i["entity"] for i in listing}), lang),
                     fmt_num(len(listing), lang), fmt_num(len(manifest.get("missing") or []), lang),
                     fmt_num(len(manifest.get("outputs") or {}), lang),
                     md_code(str((manifest.get("code") or {}).get("sha256") or "")[:12]),
                     md_code(f"goldbook verify --national {period}")])
    header = [t(f"national.audit.{k}", lang) for k in ("period", "entities", "manifests", "missing", "outputs",
                                                       "code", "verify")]
    out.append(md_table(header, rows))
    return "\n".join(out)


def book_pages(ws: Workspace, settings: Settings, periods: list[str]) -> dict[str, str]:
    """Every page of the national book as ``{path under national/book/: MyST Markdown}``."""
    infos = entity_infos(ws, periods)
    months = [p for p in periods if len(p) == 7]
    years = [p for p in periods if len(p) == 4]
    pages = {}
    for lang in LANGS:
        pages[_landing(lang)] = landing_page(ws, settings, infos, months, years, lang)
        pages[f"{lang}/months.md"] = list_page(lang, "months", months)
        pages[f"{lang}/years.md"] = list_page(lang, "years", years)
        for period in periods:
            pages[_period_page(lang, period)] = period_page(ws, infos, period, lang)
        pages[f"{lang}/methods.md"] = methods_page(settings, lang)
        pages[f"{lang}/audit.md"] = audit_page(ws, periods, lang)
    return pages


def entity_infos(ws: Workspace, periods: list[str]) -> dict:
    """The names of every entity the published periods read, from the configuration files their
    manifests list (checked against the listed sha256); an entity a period lacks (``missing``), from
    its configuration as it is now, when it has one: only its name is shown."""
    infos, missing = {}, set()
    for period in periods:
        manifest = read_manifest(ws, period) or {}
        for item in manifest.get("inputs") or []:
            if item["entity"] not in infos:
                infos[item["entity"]] = sources.entity_info(item["entity"], sources.check_listed(ws, item["config"]))
        missing |= set(manifest.get("missing") or [])
    for entity_id in sorted(missing - set(infos)):
        config = ws.entity(entity_id) / sources.ENTITY_CONFIG
        if config.is_file():
            infos[entity_id] = sources.entity_info(entity_id, config)
    return infos


def book_toc(periods: list[str]) -> dict:
    """``_toc.yml``: an English and an Arabic part, each with its months and years (newest first),
    Methods and Audit."""
    months = [p for p in periods if len(p) == 7]
    years = [p for p in periods if len(p) == 4]
    parts = []
    for lang in LANGS:
        chapters = [] if lang == LANGS[0] else [{"file": f"{lang}/index", "title": t("national.book.home", lang)}]
        for kind, found in (("months", months), ("years", years)):
            chapters.append({"file": f"{lang}/{kind}", "title": t(f"national.book.{kind}.title", lang),
                             "sections": [{"file": _period_page(lang, p)[:-3], "title": period_title(parse(p), lang)}
                                          for p in reversed(found)]})
        chapters += [{"file": f"{lang}/{page}", "title": t(f"national.book.{page}.title", lang)}
                     for page in ("methods", "audit")]
        parts.append({"caption": t(f"lang.{lang}", lang), "chapters": [c for c in chapters if c.get("sections", True)]})
    return {"format": "jb-book", "root": "index", "parts": parts}


def build_book(root=None, quiet: bool = True, jobs: int = 1) -> Path:
    """Write the national book's sources and build it into ``national/_build/html`` (see the module);
    returns its ``index.html``. ``BookError`` when Sphinx fails or the built book must not be published."""
    ws = get_workspace(root)
    settings = load_settings(ws.root)
    periods = [p for p in sources.national_periods(ws, settings) if (ws.period_reports(p) / MANIFEST_NAME).is_file()]
    if not periods:
        raise BookError("no national period is published yet: `goldbook national build` publishes them first")
    src = ws.book_src
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    for rel, text in book_pages(ws, settings, periods).items():
        write_if_changed(src / rel, text.encode("utf-8"))
    (src / "reports").symlink_to("../reports", target_is_directory=True)
    toc_text = GENERATED_NOTE + yaml.safe_dump(book_toc(periods), allow_unicode=True, sort_keys=False, width=1000)
    write_if_changed(ws.toc, toc_text.encode("utf-8"))

    work = ws.build / ".work"
    shutil.rmtree(work, ignore_errors=True)
    html = work / "html"
    html.mkdir(parents=True)
    # Sphinx and Jupyter Book take over a second to import: only a build pays it (as ``book.build``)
    from jupyter_book.sphinx import build_sphinx

    en, ar = settings.name("en"), settings.name("ar")
    overrides = {
        "external_toc_path": str(ws.toc),
        "latex_individualpages": False,
        "html_title": bilingual(t("national.book.title", "en", programme=en),
                                t("national.book.title", "ar", programme=ar)),
        "project": t("national.book.title", "en", programme=en),
        "author": en,
        "html_static_path": [str(ASSETS_DIR)],
        "exclude_patterns": [p for p in exclude_patterns() if p not in ("reports/*/figures",)],
        "goldbook_notices": {},
    }
    result = build_sphinx(src, html, noconfig=True, path_config=str(CONFIG_FILE), confoverrides=overrides,
                          doctreedir=work / "doctrees", builder="html", quiet=quiet, jobs=jobs, force_all=True,
                          freshenv=True)
    if isinstance(result, BaseException) or result:
        raise BookError(f"jupyter-book build of the national book failed ({result}); see the messages above")
    localise_book(html, page_language, author={"en": en, "ar": ar})
    forbidden = (str(ws.root), str(CODE_ROOT), sys.prefix, os.path.expanduser("~"))
    out = ws.build / "html"

    def fill(tmp: Path) -> None:
        copy_tree(html, tmp)
        problems = check_published(tmp, forbidden=forbidden)
        if problems:
            listed = "\n".join(f"  - {p}" for p in problems[:50])
            raise BookError(f"the national book must not be published ({len(problems)} problem(s)); "
                            f"national/_build/html is left as it was:\n{listed}")

    replace_dir(out, fill)
    shutil.rmtree(work, ignore_errors=True)
    return out / "index.html"
