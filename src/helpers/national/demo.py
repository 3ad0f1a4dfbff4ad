"""The national demo: a workspace of many entities of different sizes, channel mixes and starting
points, each a complete Gold Book data root, made with the model case's own generator.

The generator (``demo.generate``) simulates one labour-fund-like entity: two walk-in centres and a
virtual one. Each national entity is one to three such simulations ("units", each with its own
seed and volume), reshaped as an entity's exports could be:

- **centres**: each unit keeps some of its three centres (a unit may keep only walk-in centres,
  only the virtual one ...); kept centres are renamed after a place (``manama``, ``virtual``) and
  the rows of dropped centres go (their staff, tickets, surveys, feedback and self-assessment);
- **channels and take-up**: each ticket is kept with its channel's probability (``Shape.keep``):
  an entity-wide odds factor moves digital take-up up or down (its starting point), some virtual
  channels are not offered at all and the others thinned by their own factor (its channel mix).
  A survey goes with its ticket; a survey without one (the kiosk) is kept with its channel's
  probability. The decision is a hash of the seed and the row's id, so it is the same in every
  month file that names the row;
- the ids of the second and third unit get a prefix (``B-``, ``C-``), so the merged files keep
  every id unique; the initiatives registry is the first unit's, with its centres renamed (an
  initiative none of whose centres is kept is left out).

Everything depends only on the national seed: the same seed gives the same bytes. ``entity_shapes``
is the plan (pure); ``write_workspace`` writes it: ``national.yaml``, ``entities/<id>/config/``
(the model case's configuration with the entity's name and centres) and ``entities/<id>/data/raw/``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import yaml

from ..base.config import SPARE_COLOURS, load_config
from ..base.files import write_atomic
from ..base.messages import LANGS, t
from ..base.paths import CODE_ROOT
from ..base.periods import months_between
from ..data.rawcsv import write_csv
from ..demo import generate as model_demo
from ..demo.case import CENTRES, CHANNELS
from ..demo.tables import COLUMNS
from .workspace import ENTITIES_DIR, get_workspace

MARKER = ".goldbook-national-demo"      # beside national.yaml: this workspace was generated
ENTITY_MARKER = ".goldbook-demo"       # in each entity's data/raw, as `goldbook demo-data` writes it
DEFAULTS = {"entities": 32, "start": "2024-11", "end": "2024-12", "scale": 1.0, "seed": 7}
BASE_SCALE = 0.02          # one unit's volume at --scale 1: about 2% of the model case (≈ 30 transactions a day)
MAX_ENTITIES = 120
WALK_IN_CENTRES = ("seef", "tijjar")
VIRTUAL = "virtual"
OPTIONAL_CHANNELS = ("whatsapp", "video_call", "live_chat")   # not every entity offers them
PREFIXES = ("", "B-", "C-")

# The shapes cycled through, as the model case's centres each unit keeps: 3, 5, 2, 4, 2, 7, 1 and 1
# centres, 25 in 8 entities, so 32 entities have 100 centres.
SHAPES = (
    (("seef", "tijjar", "virtual"),),
    (("seef", "tijjar", "virtual"), ("seef", "tijjar")),
    (("seef", "virtual"),),
    (("seef", "tijjar", "virtual"), ("seef",)),
    (("seef", "tijjar"),),
    (("seef", "tijjar", "virtual"), ("seef", "tijjar"), ("seef", "tijjar")),
    (("seef",),),
    (("virtual",),),
)

# (id, English name, Arabic name): fictional public-service entities.
ENTITIES = (
    ("housing", "Housing Services Authority", "هيئة خدمات الإسكان"),
    ("social_insurance", "Social Insurance Office", "مكتب التأمين الاجتماعي"),
    ("civil_registry", "Civil Registry Directorate", "إدارة السجل المدني"),
    ("traffic", "Traffic Services Directorate", "إدارة خدمات المرور"),
    ("municipal", "Municipal Services Agency", "وكالة الخدمات البلدية"),
    ("utilities", "Water and Electricity Services", "خدمات الكهرباء والماء"),
    ("health_insurance", "Health Insurance Office", "مكتب التأمين الصحي"),
    ("education", "Education Services Centre", "مركز خدمات التعليم"),
    ("commerce", "Commercial Registration Office", "مكتب السجل التجاري"),
    ("labour_market", "Labour Market Services", "خدمات سوق العمل"),
    ("passports", "Passports and Residence Office", "مكتب الجوازات والإقامة"),
    ("land_survey", "Land Survey and Registration", "المساحة والتسجيل العقاري"),
    ("customs", "Customs Services Office", "مكتب خدمات الجمارك"),
    ("post", "Postal Services Authority", "هيئة الخدمات البريدية"),
    ("tax", "Tax Services Office", "مكتب الخدمات الضريبية"),
    ("social_development", "Social Development Services", "خدمات التنمية الاجتماعية"),
    ("youth_sports", "Youth and Sports Services", "خدمات الشباب والرياضة"),
    ("tourism", "Tourism Licensing Office", "مكتب تراخيص السياحة"),
    ("environment", "Environment Permits Office", "مكتب التصاريح البيئية"),
    ("industry", "Industrial Licensing Office", "مكتب التراخيص الصناعية"),
    ("justice", "Justice Services Centre", "مركز خدمات العدل"),
    ("awqaf", "Awqaf Services Office", "مكتب خدمات الأوقاف"),
    ("pensions", "Pension Fund Services", "خدمات صندوق التقاعد"),
    ("telecom", "Telecommunications Regulatory Services", "خدمات تنظيم الاتصالات"),
    ("transport", "Transport Licensing Office", "مكتب تراخيص النقل"),
    ("culture", "Culture and Heritage Services", "خدمات الثقافة والتراث"),
    ("agriculture", "Agriculture and Fisheries Services", "خدمات الزراعة والثروة السمكية"),
    ("statistics", "Statistics and Information Services", "خدمات الإحصاء والمعلومات"),
    ("media", "Media Licensing Office", "مكتب تراخيص الإعلام"),
    ("consumer", "Consumer Protection Office", "مكتب حماية المستهلك"),
    ("scholarships", "Scholarships Office", "مكتب البعثات"),
    ("disability", "Disability Services Centre", "مركز خدمات ذوي الإعاقة"),
    ("elderly", "Elderly Care Services", "خدمات رعاية المسنين"),
    ("nationality", "Nationality Services Office", "مكتب خدمات الجنسية"),
    ("real_estate", "Real Estate Regulatory Office", "مكتب تنظيم العقار"),
    ("vocational", "Vocational Training Services", "خدمات التدريب المهني"),
    ("societies", "Societies Registration Office", "مكتب تسجيل الجمعيات"),
    ("ports", "Ports Services Office", "مكتب خدمات الموانئ"),
    ("aviation", "Civil Aviation Services", "خدمات الطيران المدني"),
    ("energy", "Sustainable Energy Services", "خدمات الطاقة المستدامة"),
)

# (id, English, Arabic): places a walk-in centre is named after.
PLACES = (
    ("manama", "Manama", "المنامة"), ("muharraq", "Muharraq", "المحرق"), ("riffa", "Riffa", "الرفاع"),
    ("isa_town", "Isa Town", "مدينة عيسى"), ("hamad_town", "Hamad Town", "مدينة حمد"), ("sitra", "Sitra", "سترة"),
    ("budaiya", "Budaiya", "البديع"), ("jidhafs", "Jidhafs", "جدحفص"), ("sanabis", "Sanabis", "السنابس"),
    ("juffair", "Juffair", "الجفير"), ("hidd", "Hidd", "الحد"), ("arad", "Arad", "عراد"),
    ("tubli", "Tubli", "توبلي"), ("salmabad", "Salmabad", "سلماباد"), ("aali", "A'ali", "عالي"),
    ("saar", "Saar", "سار"), ("janabiyah", "Janabiyah", "الجنبية"), ("diraz", "Diraz", "الدراز"),
    ("busaiteen", "Busaiteen", "البسيتين"), ("zallaq", "Zallaq", "الزلاق"), ("askar", "Askar", "عسكر"),
    ("adliya", "Adliya", "العدلية"), ("galali", "Galali", "قلالي"), ("malkiya", "Malkiya", "المالكية"),
)


@dataclass(frozen=True)
class Unit:
    """One run of the model-case generator inside an entity."""

    seed: int
    scale: float
    centres: tuple[str, ...]        # the model case's centres it keeps
    prefix: str                     # added to its row ids ("" for the first unit)
    rename: dict = field(default_factory=dict)   # model-case centre id -> the entity's centre id


@dataclass(frozen=True)
class Shape:
    """One entity of the national demo: who it is, its units and how its tickets are thinned."""

    entity_id: str
    name_en: str
    name_ar: str
    units: tuple[Unit, ...]
    keep: dict                      # channel id -> probability a ticket of it is kept
    centres: tuple[tuple, ...]      # (id, kind, place id or "", index in PLACES or -1) per centre

    @property
    def centre_ids(self) -> list[str]:
        return [c[0] for c in self.centres]


def _entity_name(index: int) -> tuple[str, str, str]:
    base_id, en, ar = ENTITIES[index % len(ENTITIES)]
    cycle = index // len(ENTITIES)
    if not cycle:
        return base_id, en, ar
    return f"{base_id}_{cycle + 1}", f"{en} {cycle + 1}", f"{ar} {cycle + 1}"


def entity_shapes(n: int, seed: int, scale: float) -> list[Shape]:
    """The plan of ``n`` entities (pure: the seed decides everything).

    Entity i takes shape ``SHAPES[i % 8]``; each unit's volume is ``BASE_SCALE × scale`` times a
    lognormal factor (median 1, so sizes span about 1 to 10); digital take-up moves by an odds
    factor exp(N(0, 0.6)) (walk-in kept with 1/factor, virtual channels with factor, capped at 1);
    each optional channel is not offered with probability 0.3, and each virtual channel is thinned
    further by exp(N(0, 0.3)), capped at 1.
    """
    if not 1 <= n <= MAX_ENTITIES:
        raise ValueError(f"--entities must be between 1 and {MAX_ENTITIES}, not {n}")
    if scale <= 0:
        raise ValueError("--scale must be above 0")
    shapes = []
    for i in range(n):
        rng = np.random.default_rng(np.random.SeedSequence([seed, 16, i]))
        entity_id, en, ar = _entity_name(i)
        odds = float(np.exp(rng.normal(0.0, 0.6)))
        keep = {}
        for channel in CHANNELS:
            if channel == "walk_in":
                keep[channel] = min(1.0, 1.0 / odds)
                continue
            dropped = channel in OPTIONAL_CHANNELS and rng.random() < 0.3
            keep[channel] = 0.0 if dropped else min(1.0, odds * float(np.exp(rng.normal(0.0, 0.3))))
        places = rng.permutation(len(PLACES))
        units, centres, used = [], [], 0
        for u, kept in enumerate(SHAPES[i % len(SHAPES)]):
            unit_seed = int(np.random.SeedSequence([seed, 16, i, u]).generate_state(1)[0] % 2**31)
            unit_scale = round(BASE_SCALE * scale * float(np.exp(rng.normal(0.0, 0.7))), 6)
            rename = {}
            for centre in kept:
                if centre == VIRTUAL:
                    rename[centre] = VIRTUAL
                    centres.append((VIRTUAL, "virtual", "", -1))
                else:
                    place = int(places[used % len(places)])
                    used += 1
                    rename[centre] = PLACES[place][0]
                    centres.append((PLACES[place][0], "walk_in", PLACES[place][0], place))
            units.append(Unit(unit_seed, max(unit_scale, 1e-4), tuple(kept), PREFIXES[u], rename))
        shapes.append(Shape(entity_id, en, ar, tuple(units), keep, tuple(centres)))
    return shapes


# --- reshaping the generator's files -----------------------------------------------------------

def kept_by_hash(seed: int, ids: pd.Series, probability: pd.Series) -> np.ndarray:
    """Whether each row is kept: a uniform draw from the hash of (seed, id), below its probability.
    The same id is kept or dropped in every file that names it."""
    draws = np.array([int.from_bytes(hashlib.blake2b(f"{seed}:{i}".encode(), digest_size=8).digest(), "big")
                      for i in ids], dtype=np.float64) / 2.0 ** 64
    return draws < probability.to_numpy(dtype=float)


def _prefixed(values: pd.Series, prefix: str) -> pd.Series:
    if not prefix:
        return values
    return values.where(values == "", prefix + values)


@dataclass
class _UnitState:
    """What a unit kept in earlier months: later months' surveys and closings refer to it."""

    tickets: set = field(default_factory=set)
    feedback: set = field(default_factory=set)


def reshape_month(tables: dict[str, pd.DataFrame], unit: Unit, keep: dict, seed: int,
                  state: _UnitState) -> dict[str, pd.DataFrame]:
    """One month of one unit's tables (text frames, as written) reshaped for its entity: rows of
    centres it does not keep dropped, tickets thinned by channel (``kept_by_hash``), surveys with
    their tickets, centre ids renamed, row ids prefixed. ``state`` carries the kept ticket and
    feedback ids to the next month."""
    out = {}
    chance = lambda frame: frame["channel_id"].map(keep).fillna(1.0)  # noqa: E731

    staff = tables["staff"]
    staff = staff[staff["centre_id"].isin(unit.centres)]
    employees = set(staff["employee_id"])
    out["staff"] = staff

    tickets = tables["tickets"]
    tickets = tickets[tickets["centre_id"].isin(unit.centres)]
    tickets = tickets[kept_by_hash(seed, tickets["ticket_id"], chance(tickets))]
    state.tickets |= set(tickets["ticket_id"])
    out["tickets"] = tickets

    surveys = tables["surveys"]
    surveys = surveys[surveys["centre_id"].isin(unit.centres)]
    linked = surveys["ticket_id"] != ""
    kiosk = kept_by_hash(seed, surveys["response_id"], chance(surveys))
    surveys = surveys[np.where(linked, surveys["ticket_id"].isin(state.tickets), kiosk)]
    out["surveys"] = surveys

    feedback = tables["feedback"]
    named = feedback["employee_id"] != ""
    keep_rows = (feedback["centre_id"].isin(unit.centres) | ((feedback["centre_id"] == "") & (unit.prefix == ""))) & (
        ~named | feedback["employee_id"].isin(employees))
    feedback = feedback[keep_rows]
    state.feedback |= set(feedback["feedback_id"])
    out["feedback"] = feedback

    updates = tables.get("feedback_updates")
    if updates is not None:
        out["feedback_updates"] = updates[updates["feedback_id"].isin(state.feedback)]

    assessment = tables["self_assessment"]
    out["self_assessment"] = assessment[assessment["centre_id"].isin(unit.centres)]

    for name, frame in out.items():
        frame = frame.copy()
        if "centre_id" in frame.columns:
            frame["centre_id"] = frame["centre_id"].map(lambda c: unit.rename.get(c, c))
        for column in ("ticket_id", "response_id", "feedback_id", "employee_id", "assessor_id"):
            if column in frame.columns:
                frame[column] = _prefixed(frame[column], unit.prefix)
        out[name] = frame
    return out


def reshape_registry(registry: pd.DataFrame, rename: dict) -> pd.DataFrame:
    """The initiatives registry with its centres renamed; a row naming only centres not kept goes."""
    rows = []
    for row in registry.to_dict("records"):
        if row["centres"] != "all":
            kept = [rename[c] for c in row["centres"].split(";") if c in rename]
            if not kept:
                continue
            row = {**row, "centres": ";".join(kept)}
        rows.append(row)
    return pd.DataFrame(rows, columns=registry.columns)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")


# --- configuration -------------------------------------------------------------------------------

def entity_config(model: dict, shape: Shape) -> dict:
    """The model case's ``config/entity.yaml`` (as a dict) made this entity's: its id and names,
    its centres (walk-in ones named after their place, ``catalogue national.demo.*``) and their colours."""
    raw = copy.deepcopy(model)
    raw["entity"] = {**raw.get("entity", {}), "id": shape.entity_id, "name_en": shape.name_en, "name_ar": shape.name_ar}
    centres = []
    for centre_id, kind, _place_id, place in shape.centres:
        if kind == "virtual":
            names = {lang: t("national.demo.virtual_centre", lang) for lang in LANGS}
        else:
            names = {lang: t("national.demo.walk_in_centre", lang, place=PLACES[place][1 if lang == "en" else 2])
                     for lang in LANGS}
        centres.append({"id": centre_id, "kind": kind, "name_en": names["en"], "name_ar": names["ar"]})
    raw["centres"] = centres
    colours = raw.setdefault("colours", {})
    colours["centres"] = {c["id"]: SPARE_COLOURS[i % len(SPARE_COLOURS)] for i, c in enumerate(centres)}
    return raw


def _yaml(raw: dict, note: str) -> bytes:
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=None)
    return (note + text).encode("utf-8")


# --- the workspace -------------------------------------------------------------------------------

def write_workspace(root, *, entities: int = DEFAULTS["entities"], seed: int = DEFAULTS["seed"],
                    start: str = DEFAULTS["start"], end: str = DEFAULTS["end"], scale: float = DEFAULTS["scale"],
                    progress: Callable[[str], None] = lambda line: None) -> dict:
    """Write the national demo into the workspace ``root``: ``national.yaml``, and per entity its
    configuration and raw months ``start``..``end``. Returns a summary: entities, centres, months,
    rows per table. Same arguments, same bytes."""
    ws = get_workspace(root)
    months = months_between(start, end)
    if not months:
        raise ValueError(f"empty range {start}..{end}")
    shapes = entity_shapes(entities, seed, scale)
    model_cfg = load_config(CODE_ROOT)
    model = yaml.safe_load((CODE_ROOT / "config" / "entity.yaml").read_text(encoding="utf-8"))
    rows = {name: 0 for name in COLUMNS}
    ws.root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".national-demo-", dir=ws.root))
    try:
        for number, shape in enumerate(shapes, 1):
            entity_root = ws.entity(shape.entity_id)
            _write_config(entity_root, model, shape)
            counted = _write_entity(entity_root, shape, months, model_cfg, scratch / shape.entity_id)
            for name, n in counted.items():
                rows[name] += n
            marker = {"seed": seed, "start": start, "end": end, "scale": scale, "months": months,
                      "national": shape.entity_id}
            write_atomic(entity_root / "data" / "raw" / ENTITY_MARKER,
                         (json.dumps(marker, sort_keys=True) + "\n").encode())
            progress(f"[{number}/{len(shapes)}] {shape.entity_id}: {len(shape.centres)} centres, "
                     f"{counted['tickets']:,} tickets")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    settings = {
        "version": "1",
        "programme": {"name_en": t("national.demo.programme", "en"), "name_ar": t("national.demo.programme", "ar")},
        "entities": [s.entity_id for s in shapes],
        "targets": {"digital_take_up": float(model_cfg.kpi["digital_take_up"]["target"]),
                    "csat": float(model_cfg.kpi["csat"]["target"]),
                    "service_level": float(model_cfg.kpi["service_level"]["target"])},
        "ranking": {"confidence": 0.95, "min_base": 30, "improved": 10, "near": 0.02},
    }
    note = ("# Gold Book national workspace (written by `goldbook demo-data --national`): the entities under\n"
            f"# {ENTITIES_DIR}/ whose published tables `goldbook national build` compares. See README.md.\n")
    write_atomic(ws.settings_file, _yaml(settings, note))
    summary = {"entities": len(shapes), "centres": sum(len(s.centres) for s in shapes), "months": months,
               "rows": rows, "seed": seed, "scale": scale}
    write_atomic(ws.root / MARKER, (json.dumps(summary, sort_keys=True) + "\n").encode())
    return summary


def _write_config(entity_root: Path, model: dict, shape: Shape) -> None:
    """The model case's ``config/`` (criteria, catalogue, database mapping: as any data root's copy
    of it, so the manifests hash them) with the entity's own ``entity.yaml``."""
    config = entity_root / "config"
    shutil.copytree(CODE_ROOT / "config", config, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".*", "__pycache__", "entity.yaml"))
    note = f"# {shape.name_en}: a national demo entity (the model case's settings, its own name and centres).\n"
    write_atomic(config / "entity.yaml", _yaml(entity_config(model, shape), note))


def _write_entity(entity_root: Path, shape: Shape, months: list[str], model_cfg, scratch: Path) -> dict:
    """Generate the entity's units with the model-case generator into ``scratch``, reshape and merge
    them month by month into the entity's ``data/raw/``. Rows written per table."""
    raw = entity_root / "data" / "raw"
    for month in months:
        shutil.rmtree(raw / month, ignore_errors=True)
    counts = {name: 0 for name in COLUMNS}
    states = [_UnitState() for _ in shape.units]
    registry = None
    for u, unit in enumerate(shape.units):
        out = scratch / f"unit-{u}"
        model_demo.generate(out / "raw", seed=unit.seed, start=months[0], end=months[-1], scale=unit.scale,
                            truth=out / "truth.json", cfg=model_cfg)
        if u == 0:
            rename = {c: unit.rename[c] for c in CENTRES if c in unit.rename}
            registry = reshape_registry(_read(out / "raw" / "initiatives.csv"), rename)
    for month in months:
        merged: dict[str, list[pd.DataFrame]] = {}
        for u, unit in enumerate(shape.units):
            folder = scratch / f"unit-{u}" / "raw" / month
            tables = {name: _read(folder / f"{name}.csv") for name in COLUMNS if (folder / f"{name}.csv").is_file()}
            for name, frame in reshape_month(tables, unit, shape.keep, unit.seed, states[u]).items():
                merged.setdefault(name, []).append(frame)
        for name, frames in merged.items():
            frame = pd.concat(frames, ignore_index=True)
            if name == "feedback_updates" and frame.empty:
                continue
            write_csv(frame, raw / month / f"{name}.csv", COLUMNS[name])
            counts[name] += len(frame)
    write_csv(registry, raw / "initiatives.csv", list(registry.columns))
    return counts
