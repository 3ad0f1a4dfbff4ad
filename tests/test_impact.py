"""Interrupted time series and controlled designs: hand-worked series, independent computations,
and a seeded simulation of interval coverage."""

import doctest

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from helpers.measures import impact

MONTHS = pd.date_range("2022-01-01", periods=24, freq="MS")


def test_docstring_example_runs():
    failures, tried = doctest.testmod(impact, verbose=False)
    assert tried > 0 and failures == 0


def test_newey_west_lag_rule_by_hand():
    # floor(4 (n/100)^(2/9)): 24 -> 2.91, 36 -> 3.19, 100 -> 4, 5 -> 2.05; never below 1
    assert [impact.newey_west_lags(n) for n in (24, 36, 100, 5, 1)] == [2, 3, 4, 2, 1]


@pytest.mark.parametrize("family", ["gaussian", "poisson", "binomial"])
def test_hac_covariance_matches_statsmodels(family):
    rng = np.random.default_rng(3)
    n = 30
    X = pd.DataFrame({"const": 1.0, "trend": np.arange(n, dtype=float), "step": (np.arange(n) >= 15) * 1.0})
    weights = None
    if family == "gaussian":
        y = rng.normal(size=n) + 0.1 * np.arange(n)
    elif family == "poisson":
        y = rng.poisson(50, n).astype(float)
    else:
        weights = np.full(n, 200.0)
        y = rng.binomial(200, 0.3, n) / 200
    ours = impact._glm(y, impact._Matrix(X.to_numpy(), list(X.columns)), family, None, weights, 3, np.arange(n))
    theirs = sm.GLM(y, X.to_numpy(), family=impact._family(family), var_weights=weights).fit(
        cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True})
    np.testing.assert_allclose(ours.params, theirs.params, rtol=1e-8)
    np.testing.assert_allclose(ours.hac_cov, theirs.cov_params(), rtol=1e-8)


def test_gaussian_step_by_hand():
    # pre: y = 1 + t; post: the same line plus 3 -> step 3, fitted = observed, counterfactual = line
    frame = pd.DataFrame({"t": range(6), "y": [1, 2, 3, 4, 8, 9]})
    r = impact.fit_its(frame, "y", "t", 4)
    assert r.measure == "difference"
    assert r.effect == pytest.approx(3.0)
    assert (r.n_pre, r.n_post) == (4, 2)
    np.testing.assert_allclose(r.series["fitted"], [1, 2, 3, 4, 8, 9], atol=1e-9)
    np.testing.assert_allclose(r.series["counterfactual"], [1, 2, 3, 4, 5, 6], atol=1e-9)


def test_gaussian_slope_change_is_averaged_over_the_post_period():
    # post points k = 0..3 after the start: effect 2 + 0.5k -> mean 2 + 0.5 * 1.5 = 2.75
    t = np.arange(10)
    post = t >= 6
    y = 1 + t + post * (2 + 0.5 * (t - 6))
    r = impact.fit_its(pd.DataFrame({"t": t, "y": y}), "y", "t", 6, slope_change=True)
    assert r.effect == pytest.approx(2.75)


def test_gaussian_interval_is_the_larger_of_hac_and_model_based():
    rng = np.random.default_rng(11)
    y = 5 + 0.2 * np.arange(24) + 1.5 * (np.arange(24) >= 12) + rng.normal(0, 1, 24)
    frame = pd.DataFrame({"month": MONTHS, "y": y})
    r = impact.fit_its(frame, "y", "month", "2023-01-01")
    X = np.column_stack([np.ones(24), np.arange(24), (np.arange(24) >= 12) * 1.0])
    ols = sm.OLS(y, X)
    se_hac = ols.fit(cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": True}).bse[2]
    se_model = ols.fit().bse[2]
    fitted = ols.fit()
    se = max(se_hac, se_model)
    q = fitted.t_test(np.array([0, 0, 1])).df_denom  # 21 residual degrees of freedom
    assert q == 21
    half = stats.t.ppf(0.975, 21) * se
    assert r.effect == pytest.approx(fitted.params[2])
    assert (r.low, r.high) == pytest.approx((fitted.params[2] - half, fitted.params[2] + half))
    assert r.p_value == pytest.approx(2 * stats.t.sf(abs(fitted.params[2]) / se, 21))


def test_poisson_rate_ratio_with_exposure():
    # counts proportional to working days, times 1.5 after the start: the rate ratio is exactly 1.5
    days = np.array([20, 22, 21, 19, 22, 20, 23, 21, 18, 22, 21, 20], dtype=float)
    post = np.arange(12) >= 8
    counts = days * 10 * np.exp(0.02 * np.arange(12)) * np.where(post, 1.5, 1.0)
    frame = pd.DataFrame({"month": MONTHS[:12], "n": counts, "days": days})
    r = impact.fit_its(frame, "n", "month", "2022-09-01", family="poisson", exposure="days")
    assert r.measure == "rate_ratio"
    assert r.effect == pytest.approx(1.5, rel=1e-6)
    np.testing.assert_allclose(r.series["fitted"], counts, rtol=1e-6)
    np.testing.assert_allclose(r.series["counterfactual"][post], counts[post] / 1.5, rtol=1e-6)
    # ignoring the exposure, the working-day swings leak into the estimate
    assert impact.fit_its(frame, "n", "month", "2022-09-01", family="poisson").effect != pytest.approx(1.5, rel=1e-3)


def test_binomial_effect_is_the_average_difference_in_shares():
    t = np.arange(16)
    post = t >= 10
    eta0 = -1.0 + 0.05 * t
    p0 = 1 / (1 + np.exp(-eta0))
    p1 = 1 / (1 + np.exp(-(eta0 + 0.4 * post)))
    frame = pd.DataFrame({"t": t, "share": p1, "n": 1000.0})
    r = impact.fit_its(frame, "share", "t", 10, family="binomial", denominator="n")
    assert r.measure == "share_difference"
    assert r.effect == pytest.approx(np.mean((p1 - p0)[post]), rel=1e-6)
    np.testing.assert_allclose(r.series["counterfactual"], p0, rtol=1e-6)


def test_fourier_terms_absorb_seasonality():
    t = np.arange(36)
    y = 10 + 0.1 * t + 2 * np.sin(2 * np.pi * t / 12 + 0.7) + 1.0 * (t >= 24)
    frame = pd.DataFrame({"t": t, "y": y})
    assert impact.fit_its(frame, "y", "t", 24, harmonics=1).effect == pytest.approx(1.0)
    assert impact.fit_its(frame, "y", "t", 24).effect != pytest.approx(1.0, abs=0.05)


def test_intervention_as_a_column_equals_a_date():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"month": MONTHS, "y": rng.normal(size=24) + (np.arange(24) >= 15),
                          "launched": (np.arange(24) >= 15).astype(int)})
    a = impact.fit_its(frame, "y", "month", "2023-04-01")
    b = impact.fit_its(frame, "y", "month", "launched")
    assert (a.effect, a.low, a.high, a.p_value) == pytest.approx((b.effect, b.low, b.high, b.p_value))


def test_adjusting_for_another_step_separates_two_interventions():
    t = np.arange(30)
    first, second = (t >= 10) * 1.0, (t >= 20) * 1.0
    y = 3 + 0.1 * t + 2 * first + 5 * second
    frame = pd.DataFrame({"t": t, "y": y, "first": first})
    r = impact.fit_its(frame, "y", "t", 20, adjust_for=("first",))
    assert r.effect == pytest.approx(5.0)


@pytest.mark.parametrize("change, message", [
    (lambda f: f.drop(index=5), "regularly spaced"),
    (lambda f: f.assign(y=np.nan), "missing values"),
    (lambda f: f.iloc[:2], "at least 2 before"),
])
def test_bad_series_are_refused_with_a_reason(change, message):
    frame = pd.DataFrame({"month": MONTHS, "y": np.arange(24.0)})
    with pytest.raises(impact.ImpactError, match=message):
        impact.fit_its(change(frame), "y", "month", "2022-03-01")


def test_family_arguments_are_checked():
    frame = pd.DataFrame({"month": MONTHS, "y": np.linspace(0.2, 0.4, 24), "n": 100.0})
    with pytest.raises(impact.ImpactError, match="denominator"):
        impact.fit_its(frame, "y", "month", "2023-01-01", family="binomial")
    with pytest.raises(impact.ImpactError, match="exposure"):
        impact.fit_its(frame, "y", "month", "2023-01-01", exposure="n")
    with pytest.raises(impact.ImpactError, match="family"):
        impact.fit_its(frame, "y", "month", "2023-01-01", family="gamma")
    with pytest.raises(impact.ImpactError, match="between 0 and 1"):
        impact.fit_its(frame.assign(y=frame["y"] * 10), "y", "month", "2023-01-01", family="binomial",
                       denominator="n")
    with pytest.raises(impact.ImpactError, match="parameters"):
        impact.fit_its(frame.iloc[:6], "y", "month", "2022-04-01", harmonics=2)


def test_placebo_uses_only_the_pre_period_with_a_midpoint_start():
    rng = np.random.default_rng(2)
    y = 4 + 0.3 * np.arange(24) + 6 * (np.arange(24) >= 14) + rng.normal(0, 0.5, 24)
    frame = pd.DataFrame({"month": MONTHS, "y": y})
    real = impact.fit_its(frame, "y", "month", "2023-03-01")
    fake = impact.placebo_in_time(frame, "y", "month", "2023-03-01")
    assert real.significant
    assert (fake.n_pre, fake.n_post) == (7, 7)   # 14 pre-period months split at the middle
    assert fake.series["time"].max() == pd.Timestamp("2023-02-01")
    assert not fake.significant
    # 7 pre-period months cannot hold 4 on each side of a fake start
    assert impact.placebo_in_time(frame.iloc[:10], "y", "month", "2022-08-01") is None


def _two_groups(treated_gap_trend=0.0, rng=None):
    t = np.arange(24)
    post = t >= 14
    common = 5 + 0.2 * t + 4 * post + 1.5 * np.sin(2 * np.pi * t / 12)   # a shock at the start hits both
    noise = (lambda: rng.normal(0, 0.3, 24)) if rng is not None else (lambda: 0.0)
    control = common + noise()
    treated = common + 1 + treated_gap_trend * t + 2 * post + noise()
    return pd.concat([
        pd.DataFrame({"month": MONTHS, "centre": "tijjar", "y": control}),
        pd.DataFrame({"month": MONTHS, "centre": "seef", "y": treated}),
    ], ignore_index=True)


def test_controlled_designs_remove_a_shock_common_to_both_groups():
    frame = _two_groups()
    plain = impact.fit_its(frame[frame["centre"] == "seef"], "y", "month", "2023-03-01", harmonics=1)
    assert plain.effect == pytest.approx(6.0)           # the common shock is mistaken for impact
    cits = impact.fit_controlled_its(frame, "y", "month", "2023-03-01", "centre", "seef", harmonics=1)
    did = impact.fit_did(frame, "y", "month", "2023-03-01", "centre", "seef")
    assert cits.design == "controlled_its" and cits.effect == pytest.approx(2.0)
    assert did.design == "did" and did.effect == pytest.approx(2.0)
    assert set(cits.series["group"]) == {"treated", "control"}


def test_controlled_designs_have_honest_intervals_on_noisy_series():
    frame = _two_groups(rng=np.random.default_rng(4))
    for r in (impact.fit_controlled_its(frame, "y", "month", "2023-03-01", "centre", "seef", harmonics=1),
              impact.fit_did(frame, "y", "month", "2023-03-01", "centre", "seef")):
        assert r.low < 2.0 < r.high and r.significant


def test_parallel_trends_check_detects_drifting_groups():
    rng = np.random.default_rng(8)
    ok = impact.parallel_trends(_two_groups(rng=rng), "y", "month", "2023-03-01", "centre", "seef")
    drift = impact.parallel_trends(_two_groups(0.3, rng=rng), "y", "month", "2023-03-01", "centre", "seef")
    assert ok.parallel and ok.n_pre == 14
    assert not drift.parallel
    assert drift.difference == pytest.approx(0.3, abs=0.05)


def test_panel_must_have_two_groups_on_the_same_months():
    frame = _two_groups()
    with pytest.raises(impact.ImpactError, match="treated value"):
        impact.fit_did(frame, "y", "month", "2023-03-01", "centre", "nowhere")
    with pytest.raises(impact.ImpactError, match="same time points"):
        impact.fit_did(frame.drop(index=47), "y", "month", "2023-03-01", "centre", "seef")


def _simulate(family, effect, rng, n_pre=18, n_post=12):
    """A seasonal series with AR(1) noise (rho 0.3); returns (frame, true average effect)."""
    n = n_pre + n_post
    z = rng.normal(size=n)
    e = np.zeros(n)
    e[0] = z[0]
    for i in range(1, n):
        e[i] = 0.3 * e[i - 1] + np.sqrt(1 - 0.09) * z[i]
    t = np.arange(n)
    post = t >= n_pre
    season = 0.1 * np.sin(2 * np.pi * t / 12)
    months = pd.date_range("2021-01-01", periods=n, freq="MS")
    if family == "gaussian":
        return pd.DataFrame({"month": months, "y": 10 + 0.05 * t + 10 * season + effect * post + e}), effect
    if family == "poisson":
        lam = 400 * np.exp(0.01 * t + season + 0.05 * e) * np.where(post, effect, 1.0)
        return pd.DataFrame({"month": months, "y": rng.poisson(lam)}), effect
    trials = rng.integers(1500, 3000, n)
    eta = -0.5 + 0.02 * t + season + 0.05 * e
    p0, p1 = 1 / (1 + np.exp(-eta)), 1 / (1 + np.exp(-(eta + effect * post)))
    frame = pd.DataFrame({"month": months, "y": rng.binomial(trials, p1) / trials, "n": trials})
    return frame, float(np.mean((p1 - p0)[post]))


@pytest.mark.parametrize("family, effect, none", [("gaussian", 1.0, 0.0), ("poisson", 1.1, 1.0),
                                                  ("binomial", 0.2, 0.0)])
def test_intervals_cover_and_placebos_stay_quiet_in_simulation(family, effect, none):
    rng = np.random.default_rng(20240101)
    extra = {"denominator": "n"} if family == "binomial" else {}
    covered = false_alarms = 0
    reps = 100
    for _ in range(reps):
        frame, truth = _simulate(family, effect, rng)
        r = impact.fit_its(frame, "y", "month", frame["month"][18], family=family, harmonics=1, **extra)
        covered += r.low <= truth <= r.high
        frame, _ = _simulate(family, none, rng)
        false_alarms += impact.fit_its(frame, "y", "month", frame["month"][18], family=family, harmonics=1,
                                       **extra).significant
    assert covered / reps >= 0.85
    assert false_alarms / reps <= 0.10
