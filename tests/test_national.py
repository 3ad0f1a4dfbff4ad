"""The national comparison: every number worked out by hand or by an independent computation on
small hand-built entity tables; the listing and checks of entity tables; publishing, verifying and
building the national book from a hand-built workspace (no notebook runs); the national demo's plan
and reshaping. The end-to-end run on a generated demo is in test_national_e2e.py."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.optimize import minimize_scalar
from scipy.stats import betabinom
from statsmodels.stats.proportion import proportion_confint

from helpers import cli
from helpers.base.files import canonical_json, sha256_file
from helpers.national import compare, demo, publish, sources, tables, workspace
from helpers.national import verify as national_verify

# --- independent computations ---------------------------------------------------------------------


def fitted_strength(s, n, prior) -> float:
    """The beta-binomial prior strength by maximum marginal likelihood, by scipy (independent of
    ``measures.shrinkage``): maximise Σ log BetaBinom(s | n, μM, (1 − μ)M) over log M."""
    s, n = np.asarray(s, float), np.asarray(n, float)

    def negative(log_m):
        m = math.exp(log_m)
        return -float(betabinom.logpmf(s, n, prior * m, (1 - prior) * m).sum())

    return math.exp(minimize_scalar(negative, bounds=(math.log(0.5), math.log(1e6)), method="bounded",
                                    options={"xatol": 1e-9}).x)


def beta_quantile(q: float, a: float, b: float) -> float:
    """The q-quantile of Beta(a, b) by integrating its density on a fine grid (no scipy.stats.beta)."""
    x = np.linspace(0, 1, 400_001)[1:-1]
    log_pdf = (a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
    pdf = np.exp(log_pdf)
    cdf = np.concatenate([[0.0], np.cumsum((pdf[1:] + pdf[:-1]) / 2 * np.diff(x))])
    return float(np.interp(q, cdf, x))


def centres(rows, kind="walk_in", entity="e1", month="2024-12") -> pd.DataFrame:
    """A centre table from ``(centre, successes, trials)`` for every measure at once."""
    out = []
    for centre, s, n in rows:
        out.append({"entity_id": entity, "centre_id": centre, "kind": kind, "month": month, "completed": n,
                    "digital": s, "sl_met": s, "sl_base": n, "responses": n, "satisfied": s,
                    "score": np.nan, "classification": None})
    return pd.DataFrame(out, columns=compare.CENTRE_COLUMNS)


# --- intervals and shrinkage ------------------------------------------------------------------------

def test_posterior_mean_and_interval_by_hand():
    # s = 8 of n = 10, prior mean 0.5 and strength 10: Beta(8 + 5, 2 + 5) = Beta(13, 7), mean 13/20
    mean, low, high = compare.posterior([8], [10], 0.5, 10.0, 0.95)
    assert mean[0] == pytest.approx(0.65)
    assert low[0] == pytest.approx(beta_quantile(0.025, 13, 7), abs=2e-5)
    assert high[0] == pytest.approx(beta_quantile(0.975, 13, 7), abs=2e-5)


def test_rank_centres_against_independent_computations():
    frame = centres([("a", 45, 50), ("b", 6, 10), ("c", 70, 100), ("d", 160, 200)])
    rank = compare.rank_centres(frame, "csat", confidence=0.95, min_base=20)
    assert list(rank.columns) == compare.RANK_COLUMNS
    by = rank.set_index("centre_id")
    prior = 281 / 360                        # (45 + 6 + 70 + 160) / (50 + 10 + 100 + 200)
    assert by["prior"].unique().tolist() == [pytest.approx(prior)]
    strength = fitted_strength([45, 6, 70, 160], [50, 10, 100, 200], prior)
    assert by.at["a", "strength"] == pytest.approx(strength, rel=1e-4)
    for centre, s, n in (("a", 45, 50), ("b", 6, 10), ("c", 70, 100), ("d", 160, 200)):
        low, high = proportion_confint(s, n, alpha=0.05, method="wilson")
        assert by.at[centre, "rate"] == pytest.approx(s / n)
        assert (by.at[centre, "low"], by.at[centre, "high"]) == (pytest.approx(low), pytest.approx(high))
        assert by.at[centre, "shrunk"] == pytest.approx((s + prior * strength) / (n + strength), rel=1e-5)
        a, b = s + prior * strength, n - s + (1 - prior) * strength
        assert by.at[centre, "shrunk_low"] == pytest.approx(beta_quantile(0.025, a, b), abs=1e-4)
    # b has 10 responses, below min_base 20: shown, not ranked; the others by shrunk rate
    assert pd.isna(by.at["b", "rank"])
    expected = sorted("acd", key=lambda c: -by.at[c, "shrunk"])
    assert [by.at[c, "rank"] for c in expected] == [1, 2, 3]
    assert list(rank["centre_id"]) == [*expected, "b"]


def test_a_small_centre_is_not_ranked_first_on_noise():
    # 3 of 3 is the highest raw rate; shrinkage toward the mean puts the 180-of-200 centre first
    frame = centres([("big1", 180, 200), ("big2", 150, 200), ("mid", 70, 100), ("small", 3, 3)])
    rank = compare.rank_centres(frame, "service_level", min_base=1).set_index("centre_id")
    assert rank["rate"].idxmax() == "small"
    assert rank.at["big1", "rank"] == 1 and rank.at["small", "rank"] > 1
    assert abs(rank.at["small", "shrunk"] - rank.at["small", "prior"]) < abs(1.0 - rank.at["small", "prior"])


def test_kinds_are_ranked_apart_and_an_extreme_kind_not_at_all():
    walk = centres([("a", 10, 100), ("b", 30, 100)], kind="walk_in")
    virtual = centres([("v1", 50, 50), ("v2", 80, 80)], kind="virtual")   # every virtual centre at 100%
    rank = compare.rank_centres(pd.concat([virtual, walk], ignore_index=True), "take_up", min_base=1)
    assert list(rank["kind"]) == ["walk_in", "walk_in", "virtual", "virtual"]
    virtual_rows = rank[rank["kind"] == "virtual"]
    assert virtual_rows["rank"].isna().all() and virtual_rows["strength"].isna().all()
    assert list(virtual_rows["shrunk"]) == [1.0, 1.0]
    assert list(rank.loc[rank["kind"] == "walk_in", "rank"]) == [1, 2]


# --- take-up, readiness, summary ----------------------------------------------------------------------

def test_take_up_by_entity_by_hand():
    frame = pd.concat([
        centres([("c1", 30, 100), ("c2", 20, 50)], entity="x"),     # 50 of 150 = 33.3%: off
        centres([("c1", 59, 100)], entity="y"),                     # 59%: within 2 points of 60%
        centres([("c1", 70, 100)], entity="z"),                     # 70%: on target
    ], ignore_index=True)
    out = compare.take_up_by_entity(frame, target=0.6, near=0.02)
    assert list(out["entity_id"]) == ["z", "y", "x"]
    x = out.set_index("entity_id").loc["x"]
    assert (x["centres"], x["completed"], x["digital"]) == (2, 150, 50)
    assert x["take_up"] == pytest.approx(1 / 3) and x["gap"] == pytest.approx(1 / 3 - 0.6)
    assert (x["low"], x["high"]) == tuple(pytest.approx(v) for v in proportion_confint(50, 150, method="wilson"))
    assert list(out["status"]) == ["on", "near", "off"]


def test_target_status_boundaries():
    assert compare.target_status(0.60, 0.6, 0.02) == "on"
    assert compare.target_status(0.58, 0.6, 0.02) == "near"
    assert compare.target_status(0.579, 0.6, 0.02) == "off"
    assert compare.target_status(float("nan"), 0.6, 0.02) == "no_data"


def test_class_order_and_readiness_distribution_by_hand():
    order = compare.class_order([["gold", "silver", "bronze", "needs_improvement"],
                                 ["platinum", "gold", "silver", "bronze", "needs_improvement"]])
    assert order == ["platinum", "gold", "silver", "bronze", "needs_improvement", "not_assessed"]
    frame = pd.concat([centres([("a", 1, 1), ("b", 1, 1), ("c", 1, 1), ("d", 1, 1)]),
                       centres([("v", 1, 1)], kind="virtual")], ignore_index=True)
    frame["classification"] = ["silver", "gold", "gold", None, "platinum"]
    out = compare.readiness_distribution(frame, order)
    assert out.to_dict("records") == [
        {"kind": "walk_in", "classification": "gold", "centres": 2, "share": 0.5},
        {"kind": "walk_in", "classification": "silver", "centres": 1, "share": 0.25},
        {"kind": "walk_in", "classification": "not_assessed", "centres": 1, "share": 0.25},
        {"kind": "virtual", "classification": "platinum", "centres": 1, "share": 1.0}]


def test_national_summary_by_hand():
    frame = centres([("a", 40, 50), ("b", 60, 100)])
    out = compare.national_summary(frame, {"csat": 0.9, "service_level": 0.8, "digital_take_up": 0.6})
    by = out.set_index("metric")
    assert by.at["entities", "value"] == 1 and by.at["centres", "value"] == 2
    assert by.at["completed", "value"] == 150 and by.at["responses", "value"] == 150
    assert by.at["csat", "value"] == pytest.approx(100 / 150)
    assert by.at["csat", "low"] == pytest.approx(proportion_confint(100, 150, method="wilson")[0])
    assert (by.at["csat", "target"], by.at["take_up", "target"]) == (0.9, 0.6)


# --- the centre table ------------------------------------------------------------------------------

def test_centre_month_sums_channels_and_keeps_what_is_not_published_missing():
    channels = pd.DataFrame({"centre_id": ["a", "a", "b"], "channel_id": ["walk_in", "phone", "walk_in"],
                             "completed": [10, 5, 7], "digital": [1, 5, 0], "sl_met": [8, 4, 6],
                             "sl_base": [10, 5, 7]})
    readiness = pd.DataFrame({"centre_id": ["a"], "score": [91.5], "classification": ["gold"]})
    out = compare.centre_month("e1", "2024-12", [("a", "walk_in"), ("b", "walk_in"), ("c", "virtual")],
                               {"channels_by_channel": channels, "satisfaction_centre": None,
                                "readiness_standing": readiness})
    by = out.set_index("centre_id")
    a = by.loc["a"]
    assert (a["completed"], a["digital"], a["sl_met"], a["sl_base"]) == (15, 6, 12, 15)
    assert by.at["c", "completed"] == 0                          # configured, no row: nothing done
    assert by["responses"].isna().all()                          # satisfaction not published: unknown
    assert by.at["a", "classification"] == "gold" and pd.isna(by.at["b", "classification"])


def test_pool_year_sums_months_and_keeps_the_latest_readiness():
    nov = centres([("a", 40, 50)], month="2024-11")
    dec = centres([("a", 45, 60)], month="2024-12")
    nov["score"], nov["classification"] = 80.0, "bronze"
    dec["score"], dec["classification"] = 92.0, "gold"
    dec["responses"], dec["satisfied"] = np.nan, np.nan          # December's surveys not published
    out = compare.pool_year(pd.concat([dec, nov], ignore_index=True)).iloc[0]
    assert (out["months"], out["completed"], out["digital"]) == (2, 110, 85)
    assert (out["responses"], out["satisfied"]) == (50, 40)
    assert (out["score"], out["classification"]) == (92.0, "gold")


# --- improvement --------------------------------------------------------------------------------------

def test_improved_most_by_hand():
    before = centres([("a", 60, 100), ("b", 80, 100), ("c", 5, 10), ("d", 70, 100)])
    after = centres([("a", 80, 100), ("b", 78, 100), ("c", 10, 10), ("d", 75, 100)])
    out = compare.improved_most(before, after, "csat", top=5, min_base=30)
    # c has 10 responses (below 30): left out. The changes of a, b and d shrunk toward none by hand:
    d = np.array([0.20, -0.02, 0.05])
    p1 = (np.array([60, 80, 70]) + 0.5) / 101
    p2 = (np.array([80, 78, 75]) + 0.5) / 101
    v = p1 * (1 - p1) / 100 + p2 * (1 - p2) / 100
    tau2 = max(0.0, (np.sum(d ** 2 / v) - 3) / np.sum(1 / v))
    shrunk = d * tau2 / (tau2 + v)
    assert tau2 > 0
    # b fell: only a and d, a first
    assert list(out["centre_id"]) == ["a", "d"] and list(out["place"]) == [1, 2]
    assert list(out["change"]) == [pytest.approx(shrunk[0]), pytest.approx(shrunk[2])]
    sd = math.sqrt(tau2 * v[0] / (tau2 + v[0]))
    assert out.at[0, "change_low"] == pytest.approx(shrunk[0] - 1.959964 * sd, rel=1e-5)
    assert (out.at[0, "before"], out.at[0, "after"], out.at[0, "raw_change"]) == (0.6, 0.8, pytest.approx(0.2))
    # pooled z-test by hand: p = 140/200 = 0.7, se = sqrt(0.7 * 0.3 * (1/100 + 1/100)), z = 0.2 / se
    z = 0.2 / math.sqrt(0.7 * 0.3 * 0.02)
    assert out.at[0, "p_value"] == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert len(compare.improved_most(before, after, "csat", top=1, min_base=30)) == 1


def test_no_improvement_beyond_chance_lists_no_centre():
    # changes no larger than their sampling error: the between-centre variance is 0, every change shrinks to 0
    before = centres([("a", 50, 100), ("b", 50, 100), ("c", 50, 100)])
    after = centres([("a", 51, 100), ("b", 49, 100), ("c", 50, 100)])
    assert compare.improved_most(before, after, "service_level", min_base=30).empty


def test_improved_readiness_by_hand():
    before, after = centres([("a", 1, 1), ("b", 1, 1)]), centres([("a", 1, 1), ("b", 1, 1)])
    before["score"], after["score"] = [80.0, 90.0], [85.5, 89.0]
    out = compare.improved_readiness(before, after, top=10)
    assert out[["centre_id", "before", "after", "change"]].to_dict("records") == [
        {"centre_id": "a", "before": 80.0, "after": 85.5, "change": 5.5}]
    assert list(out.columns) == compare.IMPROVED_COLUMNS
    assert out["p_value"].isna().all()


# --- a hand-built workspace: listing, publishing, verifying, the book ----------------------------------

CONFIG = {
    "entity": {"id": "", "name_en": "", "name_ar": ""},
    "centres": [{"id": "north", "kind": "walk_in", "name_en": "North Centre", "name_ar": "مركز الشمال"},
                {"id": "virtual", "kind": "virtual", "name_en": "Virtual Centre", "name_ar": "المركز الافتراضي"}],
    "classification": {"walk_in": [{"class": "gold", "min_score": 90}, {"class": "silver", "min_score": 0}],
                       "virtual": [{"class": "platinum", "min_score": 95}, {"class": "gold", "min_score": 0}]},
}
# entity -> month -> (walk-in completed, digital, sl_met, sl_base, responses, satisfied, score), virtual likewise
COUNTS = {
    "alpha": {"2024-11": [(100, 10, 80, 100, 40, 30, 88.0), (200, 200, 150, 180, 60, 50, 96.0)],
              "2024-12": [(120, 18, 100, 118, 45, 40, 91.0), (210, 210, 160, 200, 70, 60, 97.0)]},
    "beta": {"2024-11": [(80, 4, 50, 78, 35, 25, 85.0), (150, 150, 120, 140, 40, 30, 93.0)],
             "2024-12": [(90, 9, 70, 88, 36, 33, 86.0), (160, 160, 130, 150, 42, 35, 94.0)]},
}
NAMES = {"alpha": ("Alpha Authority", "هيئة ألفا"), "beta": ("Beta Office", "مكتب بيتا")}


def _entity_month(root: Path, month: str, rows) -> None:
    folder = root / "reports" / month
    (folder / "tables").mkdir(parents=True)
    ids = ["north", "virtual"]
    channel = pd.DataFrame({"centre_id": ids, "channel_id": ["walk_in", "phone"],
                            "completed": [r[0] for r in rows], "digital": [r[1] for r in rows],
                            "sl_met": [r[2] for r in rows], "sl_base": [r[3] for r in rows]})
    satisfaction = pd.DataFrame({"centre_id": ids, "responses": [r[4] for r in rows],
                                 "satisfied": [r[5] for r in rows]})
    standing = pd.DataFrame({"centre_id": ids, "score": [r[6] for r in rows],
                             "classification": ["gold" if rows[0][6] >= 90 else "silver",
                                                "platinum" if rows[1][6] >= 95 else "gold"]})
    outputs = {}
    for name, frame in (("channels_by_channel", channel), ("satisfaction_centre", satisfaction),
                        ("readiness_standing", standing)):
        path = folder / "tables" / f"{name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n")
        outputs[f"tables/{name}.csv"] = sha256_file(path)
    manifest = {"run": {"period": month, "kind": "month"}, "config": {"config/entity.yaml": sha256_file(
        root / "config" / "entity.yaml")}, "outputs": outputs}
    (folder / "manifest.json").write_bytes(canonical_json(manifest))


def make_workspace(root: Path, entities=("alpha", "beta")) -> Path:
    settings = {"programme": {"name_en": "Test Programme", "name_ar": "برنامج الاختبار"}, "entities": list(entities),
                "targets": {"digital_take_up": 0.6}, "ranking": {"min_base": 30, "improved": 5}}
    root.mkdir(parents=True, exist_ok=True)
    (root / "national.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    for entity in entities:
        eroot = root / "entities" / entity
        (eroot / "config").mkdir(parents=True)
        config = json.loads(json.dumps(CONFIG))
        config["entity"] = {"id": entity, "name_en": NAMES[entity][0], "name_ar": NAMES[entity][1]}
        (eroot / "config" / "entity.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        for month, rows in COUNTS[entity].items():
            _entity_month(eroot, month, rows)
    return root


@pytest.fixture
def hand_workspace(tmp_path) -> Path:
    return make_workspace(tmp_path / "ws")


def test_listing_names_every_file_read_with_its_sha256(hand_workspace):
    ws = workspace.get_workspace(hand_workspace)
    settings = workspace.load_settings(ws.root)
    assert sources.national_periods(ws, settings) == ["2024-11", "2024-12", "2024"]
    listing, missing = sources.list_inputs(ws, settings, "2024-12")
    assert missing == []
    # each entity's December and, for the change, its November
    assert [(i["entity"], i["period"]) for i in listing] == [("alpha", "2024-11"), ("alpha", "2024-12"),
                                                            ("beta", "2024-11"), ("beta", "2024-12")]
    item = listing[1]
    assert item["manifest"]["path"] == "entities/alpha/reports/2024-12/manifest.json"
    assert item["manifest"]["sha256"] == sha256_file(hand_workspace / item["manifest"]["path"])
    assert sorted(item["tables"]) == sorted(sources.TABLES)


def test_an_edited_entity_table_or_config_is_refused(hand_workspace):
    ws = workspace.get_workspace(hand_workspace)
    settings = workspace.load_settings(ws.root)
    table = hand_workspace / "entities/beta/reports/2024-12/tables/satisfaction_centre.csv"
    table.write_text(table.read_text().replace("36,33", "36,34"))
    with pytest.raises(workspace.NationalError, match="satisfaction_centre.csv does not match its entity's manifest"):
        sources.list_inputs(ws, settings, "2024-12")
    config = hand_workspace / "entities/alpha/config/entity.yaml"
    config.write_text(config.read_text() + "\n# edited\n")
    with pytest.raises(workspace.NationalError, match="entity alpha: entities/alpha/config/entity.yaml is not the one"):
        sources.list_inputs(ws, settings, "2024-11")


def test_a_month_s_tables_from_hand_built_entity_tables(hand_workspace):
    ws = workspace.get_workspace(hand_workspace)
    settings = workspace.load_settings(ws.root)
    listing, missing = sources.list_inputs(ws, settings, "2024-12")
    infos, months = sources.load(ws, listing)
    out = tables.period_tables("2024-12", infos, months, settings, missing)
    take_up = out["national_take_up"].set_index("entity_id")
    assert take_up.at["alpha", "take_up"] == pytest.approx(228 / 330)      # (18 + 210) / (120 + 210)
    assert take_up.at["beta", "take_up"] == pytest.approx(169 / 250)       # (9 + 160) / (90 + 160)
    assert list(take_up["status"]) == ["on", "on"]
    summary = out["national_summary"].set_index("metric")
    assert summary.at["csat", "value"] == pytest.approx((40 + 60 + 33 + 35) / (45 + 70 + 36 + 42))
    csat = out["national_rank_csat"]
    walk = csat[csat["kind"] == "walk_in"].set_index("entity_id")
    assert walk.at["alpha", "prior"] == pytest.approx(73 / 81)             # (40 + 33) / (45 + 36)
    readiness = out["national_readiness"]
    assert readiness[["kind", "classification", "centres"]].to_dict("records") == [
        {"kind": "walk_in", "classification": "gold", "centres": 1},
        {"kind": "walk_in", "classification": "silver", "centres": 1},
        {"kind": "virtual", "classification": "platinum", "centres": 1},
        {"kind": "virtual", "classification": "gold", "centres": 1}]
    improved = out["national_improved"]
    by_centre = improved[improved["measure"] == "readiness"].set_index(["entity_id", "centre_id"])["change"]
    assert by_centre.to_dict() == {("alpha", "north"): 3.0, ("alpha", "virtual"): 1.0, ("beta", "north"): 1.0,
                                   ("beta", "virtual"): 1.0}
    year = tables.period_tables("2024", *sources.load(ws, sources.list_inputs(ws, settings, "2024")[0]), settings, [])
    pooled = year["national_centres"].set_index(["entity_id", "centre_id"])
    assert pooled.at[("alpha", "north"), "completed"] == 220 and pooled.at[("alpha", "north"), "months"] == 2


def test_publish_verify_and_what_makes_verify_fail(hand_workspace, capsys, monkeypatch):
    # code and catalogue are part of a period's fingerprint: held still here, whatever is edited meanwhile
    monkeypatch.setattr(publish, "code_hash", lambda: {"sha256": "0" * 64, "files": 1})
    monkeypatch.setattr(publish, "catalogue_hashes", lambda: {"config/messages/x.yaml": "0" * 64})
    results = publish.publish_all(hand_workspace, progress=lambda line: None)
    assert [(r.period, r.status) for r in results] == [("2024-11", "published"), ("2024-12", "published"),
                                                       ("2024", "published")]
    assert [r.status for r in publish.publish_all(hand_workspace, progress=lambda line: None)] == ["unchanged"] * 3
    ws = workspace.get_workspace(hand_workspace)
    manifest = publish.read_manifest(ws, "2024-12")
    assert {i["manifest"]["path"] for i in manifest["inputs"]} == {
        f"entities/{e}/reports/{m}/manifest.json" for e in ("alpha", "beta") for m in ("2024-11", "2024-12")}
    assert set(manifest["outputs"]) >= {f"tables/{n}.csv" for n in tables.TABLE_NAMES}
    assert "figures/ar/take_up.svg" in manifest["outputs"]

    result = national_verify.verify("2024-12", hand_workspace)
    assert result.ok, result.report()
    assert result.report().startswith(f"national 2024-12: {result.total} of {result.total} outputs identical")
    # the workspace is recognised: plain `goldbook verify PERIOD` verifies the national period
    assert cli.main(["--root", str(hand_workspace), "verify", "2024-12"]) == 0
    assert "outputs identical" in capsys.readouterr().out

    # an edited national table is named
    published = hand_workspace / "national/reports/2024-12/tables/national_take_up.csv"
    original = published.read_bytes()
    published.write_bytes(original.replace(b"alpha", b"alpha ", 1))
    result = national_verify.verify("2024-12", hand_workspace)
    assert not result.ok and "published file edited: tables/national_take_up.csv" in result.report()
    published.write_bytes(original)

    # an entity manifest that changed since it was read: named, nothing rebuilt from it, exit 1
    entity_manifest = hand_workspace / "entities/beta/reports/2024-11/manifest.json"
    entity_manifest.write_bytes(entity_manifest.read_bytes() + b"\n")
    result = national_verify.verify("2024-12", hand_workspace)
    assert not result.ok
    assert "entity file changed since it was read: entities/beta/reports/2024-11/manifest.json" in result.report()
    assert cli.main(["--root", str(hand_workspace), "national", "verify", "2024-12"]) == 1
    assert "NOT verified" in capsys.readouterr().err


def test_verify_rebuilds_and_names_an_output_that_differs(hand_workspace, monkeypatch):
    publish.publish_all(hand_workspace, progress=lambda line: None)
    # a rebuild that computes another number (here: another target) differs in the tables that show it
    settings = hand_workspace / "national.yaml"
    settings.write_text(settings.read_text().replace("digital_take_up: 0.6", "digital_take_up: 0.7"))
    result = national_verify.verify("2024-12", hand_workspace)
    assert not result.ok
    assert "tables/national_take_up.csv" in result.differing
    assert any("national.yaml differs" in n for n in result.notes)


def test_the_national_book_is_bilingual_and_arabic_reads_right_to_left(hand_workspace):
    from helpers.national import book

    publish.publish_all(hand_workspace, progress=lambda line: None)
    index = book.build_book(hand_workspace)
    html = index.parent
    assert index.is_file() and (html / "ar" / "index.html").is_file()
    ar = (html / "ar" / "months" / "2024-12.html").read_text(encoding="utf-8")
    en = (html / "en" / "months" / "2024-12.html").read_text(encoding="utf-8")
    assert '<meta content="rtl" name="page-dir" />' in ar and '<div class="goldbook-rtl" dir="rtl" lang="ar">' in ar
    assert '<meta content="ltr" name="page-dir" />' in en and "goldbook-rtl" not in en
    assert "هيئة ألفا" in ar and "Alpha Authority" in en
    assert "../../en/months/2024-12.html" in ar                       # each page links its twin
    assert (html / "ar" / "years" / "2024.html").is_file() and (html / "en" / "audit.html").is_file()
    assert str(hand_workspace) not in ar and str(hand_workspace) not in en


# --- the workspace's settings --------------------------------------------------------------------------

@pytest.mark.parametrize("raw, message", [
    ({"programme": {"name_en": "P"}, "entities": ["a"]}, "programme needs name_en and name_ar"),
    ({"programme": {"name_en": "P", "name_ar": "ب"}, "entities": ["a", "a"]}, "lists a more than once"),
    ({"programme": {"name_en": "P", "name_ar": "ب"}, "entities": ["A-1"]}, "entity id 'A-1'"),
    ({"programme": {"name_en": "P", "name_ar": "ب"}, "entities": ["a"], "targets": {"csat": 1.5}}, "targets.csat"),
    ({"programme": {"name_en": "P", "name_ar": "ب"}, "entities": ["a"], "ranking": {"top": 3}}, "ranking takes"),
])
def test_bad_settings_are_named(raw, message):
    with pytest.raises(workspace.NationalError, match=message):
        workspace.check_settings(raw)


def test_commands_on_a_folder_that_is_not_a_workspace_say_so_in_one_line(tmp_path, capsys):
    assert cli.main(["--root", str(tmp_path), "national", "build"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("goldbook national: no national.yaml") and len(err.strip().splitlines()) == 1


# --- the national demo's plan and reshaping ----------------------------------------------------------

def test_the_default_plan_has_30_entities_and_100_centres_of_different_shapes():
    shapes = demo.entity_shapes(32, seed=7, scale=1.0)
    assert shapes == demo.entity_shapes(32, seed=7, scale=1.0)                # the seed decides everything
    assert len(shapes) == 32 and sum(len(s.centres) for s in shapes) == 100
    assert len({s.entity_id for s in shapes}) == 32
    for s in shapes:
        assert len(set(s.centre_ids)) == len(s.centre_ids)
        assert all(0.0 <= p <= 1.0 for p in s.keep.values())
    assert len({len(s.centres) for s in shapes}) >= 5                         # sizes differ
    odds = [s.keep["phone"] / s.keep["walk_in"] for s in shapes]               # virtual vs walk-in kept
    assert max(odds) / min(odds) > 4                                          # starting take-up differs
    assert any(0.0 in s.keep.values() for s in shapes)                        # some channels not offered
    scales = [u.scale for s in shapes for u in s.units]
    assert max(scales) / min(scales) > 5


def _unit_tables() -> dict:
    text = lambda rows, columns: pd.DataFrame(rows, columns=columns).astype(str)  # noqa: E731
    return {
        "staff": text([["E1", "seef"], ["E2", "tijjar"], ["E3", "virtual"]], ["employee_id", "centre_id"]),
        "tickets": text([["T1", "seef", "walk_in", "E1"], ["T2", "virtual", "phone", "E3"],
                         ["T3", "tijjar", "walk_in", "E2"], ["T4", "virtual", "email", "E3"]],
                        ["ticket_id", "centre_id", "channel_id", "employee_id"]),
        "surveys": text([["S1", "T1", "seef", "walk_in", "E1"], ["S2", "T2", "virtual", "phone", "E3"],
                         ["S3", "", "seef", "walk_in", ""], ["S4", "", "virtual", "phone", ""]],
                        ["response_id", "ticket_id", "centre_id", "channel_id", "employee_id"]),
        "feedback": text([["F1", "seef", "E1"], ["F2", "tijjar", "E2"], ["F3", "", ""]],
                         ["feedback_id", "centre_id", "employee_id"]),
        "self_assessment": text([["seef", "E1"], ["tijjar", "E2"], ["virtual", "E3"]], ["centre_id", "assessor_id"]),
    }


def test_reshaping_keeps_centres_and_channels_and_prefixes_ids():
    unit = demo.Unit(seed=1, scale=0.01, centres=("seef", "virtual"), prefix="B-",
                     rename={"seef": "riffa", "virtual": "virtual"})
    keep = {"walk_in": 1.0, "phone": 0.0, "email": 1.0}
    state = demo._UnitState()
    out = demo.reshape_month(_unit_tables(), unit, keep, seed=1, state=state)
    assert list(out["tickets"]["ticket_id"]) == ["B-T1", "B-T4"]        # tijjar's gone, the phone ticket thinned
    assert list(out["tickets"]["centre_id"]) == ["riffa", "virtual"]
    assert list(out["surveys"]["response_id"]) == ["B-S1", "B-S3"]      # a survey goes with its ticket
    assert list(out["surveys"]["ticket_id"]) == ["B-T1", ""]            # an empty id stays empty
    assert list(out["staff"]["employee_id"]) == ["B-E1", "B-E3"]
    assert list(out["feedback"]["feedback_id"]) == ["B-F1"]             # unnamed centre: the first unit's only
    assert list(out["self_assessment"]["assessor_id"]) == ["B-E1", "B-E3"]
    assert state.tickets == {"T1", "T4"}
    # next month: a survey about last month's kept ticket stays, one about a dropped ticket goes
    later = _unit_tables()
    later["tickets"] = later["tickets"].iloc[0:0]
    later["surveys"] = pd.DataFrame([["S9", "T4", "virtual", "email", "E3"], ["S8", "T2", "virtual", "phone", "E3"]],
                                    columns=["response_id", "ticket_id", "centre_id", "channel_id", "employee_id"])
    out = demo.reshape_month(later, unit, keep, seed=1, state=state)
    assert list(out["surveys"]["response_id"]) == ["B-S9"]


def test_the_hash_decides_the_same_way_every_time_at_the_asked_rate():
    ids = pd.Series([f"T{i}" for i in range(20000)])
    kept = demo.kept_by_hash(7, ids, pd.Series([0.3] * len(ids)))
    assert (kept == demo.kept_by_hash(7, ids, pd.Series([0.3] * len(ids)))).all()
    assert 0.28 < kept.mean() < 0.32
    assert not demo.kept_by_hash(7, ids, pd.Series([0.0] * len(ids))).any()


def test_the_demo_refuses_an_entity_root_and_a_workspace_it_did_not_write(tmp_path, capsys):
    entity = tmp_path / "entity"
    (entity / "config").mkdir(parents=True)
    (entity / "config" / "entity.yaml").write_text("entity: {}\n")
    assert cli.main(["--root", str(entity), "demo-data", "--national", "--entities", "1"]) == 1
    assert "is an entity's data root" in capsys.readouterr().err
    other = make_workspace(tmp_path / "other", entities=("alpha",))
    assert cli.main(["--root", str(other), "demo-data", "--national", "--entities", "1"]) == 1
    assert "that the demo did not write" in capsys.readouterr().err
    shutil.rmtree(other)


def test_a_refresh_names_an_entity_whose_month_is_refused_and_exits_1(tmp_path, capsys):
    from helpers.base.paths import CODE_ROOT
    from helpers.national import refresh

    root = tmp_path / "ws"
    root.mkdir()
    (root / "national.yaml").write_text(yaml.safe_dump({"programme": {"name_en": "P", "name_ar": "ب"},
                                                        "entities": ["broken"]}), encoding="utf-8")
    entity = root / "entities" / "broken"
    shutil.copytree(CODE_ROOT / "config", entity / "config")
    (entity / "data" / "raw" / "2024-12").mkdir(parents=True)
    (entity / "data" / "raw" / "2024-12" / "tickets.csv").write_text("ticket_id\nT1\n", encoding="utf-8")
    results = refresh.refresh(root, jobs=1, progress=lambda line: None)
    assert not results[0].ok and results[0].rejected == ["2024-12"] and not results[0].published
    assert cli.main(["--root", str(root), "national", "refresh"]) == 1
    captured = capsys.readouterr()
    assert "broken: 0 months ingested; rejected 2024-12" in captured.out
    assert "with problems: broken" in captured.out and "broken: 2024-12" in captured.err


def test_a_published_table_without_a_column_read_is_named(hand_workspace):
    ws = workspace.get_workspace(hand_workspace)
    folder = hand_workspace / "entities/alpha/reports/2024-12"
    table = folder / "tables/satisfaction_centre.csv"
    table.write_text("centre_id,responses\nnorth,45\nvirtual,70\n")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["outputs"]["tables/satisfaction_centre.csv"] = sha256_file(table)
    (folder / "manifest.json").write_bytes(canonical_json(manifest))
    listing, _ = sources.list_inputs(ws, workspace.load_settings(ws.root), "2024-12")
    with pytest.raises(workspace.NationalError, match="satisfaction_centre.csv has no column satisfied"):
        sources.load(ws, listing)


def test_a_long_ranking_shows_each_kind_s_leaders_and_folds_the_rest_escaped():
    from helpers.national import compare_view
    from helpers.national.sources import EntityInfo

    rows = [(f"w{i:02d}", 50 + i, 100) for i in range(14)]
    frame = pd.concat([centres(rows), centres([(f"v{i}", 60 + i, 100) for i in range(4)], kind="virtual")],
                      ignore_index=True)
    rank = compare.rank_centres(frame, "csat", min_base=30)
    info = EntityInfo("e1", {"en": "E <one>", "ar": "ج"}, tuple((c, "walk_in", {"en": f"<b>{c}</b>", "ar": c})
                                                                for c, _, _ in rows), ())
    html = compare_view.ranking_html(rank, compare_view.Names({"e1": info}, "en"))
    leaders, whole = html.split("<details", 1)
    assert leaders.count("<tr>") == 1 + 5 + 4            # header, walk-in 1–5, the four virtual centres
    assert whole.count("<tr>") == 1 + 18 and "Show all 18 rows" in whole
    assert "&lt;b&gt;w13&lt;/b&gt;" in html and "<b>w13" not in html and "E &lt;one&gt;" in html
