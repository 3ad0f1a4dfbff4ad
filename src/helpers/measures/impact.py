"""Impact of an intervention on a regular time series: interrupted time series and controlled designs.

Pure statistics: frames in, result objects out. Usable on any regular series (monthly, weekly,
daily), not only this project's.

Designs
    ``fit_its``             segmented regression (Lopez Bernal, Cummins & Gasparrini, *Int J
                            Epidemiol* 2017): level, trend, a step at the intervention, an optional
                            change of slope, Fourier seasonality, optional covariates.
    ``fit_controlled_its``  the same on a treated and a control series stacked: the effect is the
                            treated series' change over and above the control's (group × post).
    ``fit_did``             difference-in-differences with time fixed effects, and
                            ``parallel_trends`` (pre-period group × trend test) to check it.
    ``placebo_in_time``     the same ITS on the pre-period only, with a fake start: must find nothing.

Every design accepts ``transition``: a 0/1 column marking time points left out of the fit but
kept in the series (e.g. the month an initiative started part-way through); they still get
fitted and counterfactual values.

Families (statsmodels GLM, canonical links)
    ``gaussian``  means: the effect is a difference in the outcome's units.
    ``poisson``   counts (or any positive total) with a log-exposure offset; overdispersion is
                  allowed (quasi-Poisson: Pearson chi²/df); the effect is a rate ratio.
    ``binomial``  shares with their denominators (quasi-binomial, Pearson scale); the effect is a
                  difference in percentage points, stored as a share difference (0.061 = 6.1 pp).

Effects on the natural scale are *average effects over the post-period*: the mean over post
rows of fitted − counterfactual (gaussian; binomial: an average marginal effect), or the ratio
of summed fitted to summed counterfactual counts (poisson). The counterfactual is the fitted
model with the intervention terms set to zero. Intervals come from the delta method.

Standard errors. Newey–West (HAC, Bartlett kernel, Driscoll–Kraay for the two-series designs)
with lags by the Newey–West (1994) rule ``floor(4 · (n/100)^(2/9))`` (2 for 12–35 points,
3 for 36–99), at least 1, and the small-sample factor ``n/(n − k)``. HAC alone is known to be
too narrow in series of 20–40 points (Turner et al., *BMC Med Res Methodol* 2021), so a second,
model-based covariance is computed: quasi-likelihood (Pearson scale, floored at 1 for counts
and shares) with an AR(1) working correlation whose coefficient is the residuals' lag-1
autocorrelation, bias-corrected and floored at 0 (``residual_autocorrelation``). Each effect
uses whichever of the two gives it the larger variance, and intervals and p-values use
Student's t with ``time points − parameters`` degrees of freedom. In simulations of 30-month
series with AR(1) noise (ρ = 0.3), this keeps 95% intervals at 91–97% coverage and false
alarms at 2–8% (``tests/test_impact.py``).

Example (a monthly count series that jumps by 30% in month 13):

>>> import numpy as np, pandas as pd
>>> from helpers.measures import impact
>>> months = pd.date_range("2022-01-01", periods=24, freq="MS")
>>> expected = 200 * np.exp(0.01 * np.arange(24)) * np.where(np.arange(24) >= 12, 1.3, 1.0)
>>> frame = pd.DataFrame({"month": months, "visits": np.round(expected)})
>>> r = impact.fit_its(frame, "visits", "month", "2023-01-01", family="poisson")
>>> r.measure, round(r.effect, 2), r.low < 1.3 < r.high, r.significant
('rate_ratio', 1.3, True, True)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

# the GLM module alone: statsmodels.api would also import time-series code, costing a second per kernel
from statsmodels.genmod import families as sm_families
from statsmodels.genmod.generalized_linear_model import GLM

FAMILIES = ("gaussian", "poisson", "binomial")
MEASURES = {"gaussian": "difference", "poisson": "rate_ratio", "binomial": "share_difference"}


class ImpactError(ValueError):
    """The series cannot support the requested model (too short, irregular, bad arguments)."""


def newey_west_lags(n: int) -> int:
    """Newey–West (1994) rule of thumb for HAC lags: ``floor(4 · (n/100)^(2/9))``, at least 1."""
    return max(1, int(math.floor(4 * (n / 100) ** (2 / 9))))


@dataclass(frozen=True)
class ITSResult:
    """An estimated intervention effect and the series behind it.

    ``effect`` is on the natural scale (``measure``): ``rate_ratio`` for counts,
    ``share_difference`` for shares (0.061 = 6.1 percentage points), ``difference`` (outcome
    units) for means. ``low``/``high`` is its ``1 − alpha`` interval, ``p_value`` the two-sided
    test of no effect. ``series`` has one row per time point (per group for controlled designs):
    ``time, group, observed, post, fitted_on, weight, fitted, counterfactual, cf_low, cf_high`` —
    the counterfactual is what the model expects without the intervention, with its pointwise
    interval; ``fitted_on`` is False for transition rows; ``weight`` is the denominator
    (binomial) or exposure (poisson), else 1.
    """

    design: str
    family: str
    measure: str
    effect: float
    low: float
    high: float
    p_value: float
    alpha: float
    series: pd.DataFrame
    n_pre: int
    n_post: int
    hac_lags: int | None
    dispersion: float
    autocorrelation: float
    params: pd.DataFrame
    df_resid: float
    notes: tuple[str, ...] = field(default=())

    @property
    def significant(self) -> bool:
        """The interval excludes no effect (p < alpha)."""
        return bool(self.p_value < self.alpha)

    @property
    def null(self) -> float:
        """The value meaning no effect on the natural scale (1 for a rate ratio, else 0)."""
        return 1.0 if self.measure == "rate_ratio" else 0.0

    @property
    def direction(self) -> str:
        """``up`` or ``down``: the sign of the point estimate against no effect."""
        return "up" if self.effect >= self.null else "down"

    def summary(self) -> dict:
        """The effect as a flat dict (one table row)."""
        return {
            "design": self.design, "family": self.family, "measure": self.measure,
            "effect": self.effect, "low": self.low, "high": self.high, "p_value": self.p_value,
            "significant": self.significant, "n_pre": self.n_pre, "n_post": self.n_post,
            "hac_lags": self.hac_lags, "dispersion": self.dispersion, "autocorrelation": self.autocorrelation,
        }


# --- input handling --------------------------------------------------------------------------

def _check_family(family: str) -> str:
    if family not in FAMILIES:
        raise ImpactError(f"family must be one of {', '.join(FAMILIES)}, not {family!r}")
    return family


def _regular_positions(times: pd.Series) -> np.ndarray:
    """Positions 0..n−1 of sorted, unique, regularly spaced times; ImpactError otherwise."""
    if times.isna().any():
        raise ImpactError("the time column has missing values")
    if times.duplicated().any():
        raise ImpactError(f"the time column repeats {times[times.duplicated()].iloc[0]!r}: one row per time point")
    if len(times) >= 3:
        if pd.api.types.is_datetime64_any_dtype(times):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pandas 3 announces a change of return type only
                regular = pd.infer_freq(pd.DatetimeIndex(times)) is not None
            if not regular:
                raise ImpactError("the time column is not regularly spaced (a missing month or week?)")
        else:
            steps = np.diff(times.to_numpy(dtype=float))
            if not np.allclose(steps, steps[0]):
                raise ImpactError("the time column is not regularly spaced (a missing time point?)")
    return np.arange(len(times), dtype=float)


def _indicator(frame: pd.DataFrame, column: str, what: str) -> np.ndarray:
    if column not in frame.columns:
        raise ImpactError(f"no {what} column {column!r}")
    values = frame[column].astype(float).to_numpy()
    if not np.isin(values, (0.0, 1.0)).all():
        raise ImpactError(f"the {what} column {column!r} must hold only 0 and 1")
    return values


def _post_indicator(frame: pd.DataFrame, time: str, intervention, groups: np.ndarray | None = None) -> np.ndarray:
    """1 from the intervention on: a 0/1 column's values, or ``time >= intervention``.

    A column must stay 1 once it starts, within each of ``groups`` (rows sorted by time within).
    """
    if isinstance(intervention, str) and intervention in frame.columns:
        post = _indicator(frame, intervention, "intervention")
        groups = np.zeros(len(post)) if groups is None else groups
        for g in np.unique(groups):
            part = post[groups == g]
            if part.any() and not part[np.argmax(part):].all():
                raise ImpactError(f"the intervention column {intervention!r} must stay 1 once it starts")
        return post
    times = frame[time]
    start = pd.Timestamp(intervention) if pd.api.types.is_datetime64_any_dtype(times) else intervention
    return (times >= start).to_numpy(dtype=float)


def _fourier(position: np.ndarray, harmonics: int, period: float) -> dict[str, np.ndarray]:
    out = {}
    for k in range(1, harmonics + 1):
        angle = 2 * np.pi * k * position / period
        out[f"sin{k}"] = np.sin(angle)
        out[f"cos{k}"] = np.cos(angle)
    return out


def _family(family: str):
    return {"gaussian": sm_families.Gaussian(), "poisson": sm_families.Poisson(),
            "binomial": sm_families.Binomial()}[family]


def _response(frame: pd.DataFrame, outcome: str, family: str, denominator, exposure):
    """The GLM response, offset and variance weights for a family, checked."""
    if outcome not in frame.columns:
        raise ImpactError(f"no outcome column {outcome!r}")
    y = frame[outcome].astype(float).to_numpy()
    if np.isnan(y).any():
        raise ImpactError(f"the outcome {outcome!r} has missing values")
    offset = weights = None
    if exposure is not None:
        if family != "poisson":
            raise ImpactError("an exposure applies to counts only (family='poisson')")
        e = frame[exposure].astype(float).to_numpy()
        if np.isnan(e).any() or (e <= 0).any():
            raise ImpactError(f"the exposure {exposure!r} must be positive")
        offset = np.log(e)
    if family == "binomial":
        if denominator is None:
            raise ImpactError("a share needs its denominator (family='binomial', denominator=...)")
        weights = frame[denominator].astype(float).to_numpy()
        if np.isnan(weights).any() or (weights <= 0).any():
            raise ImpactError(f"the denominator {denominator!r} must be positive")
        if ((y < 0) | (y > 1)).any():
            raise ImpactError(f"the outcome {outcome!r} must be a share between 0 and 1 for family='binomial'")
    elif denominator is not None:
        raise ImpactError("a denominator applies to shares only (family='binomial')")
    if family == "poisson" and (y < 0).any():
        raise ImpactError(f"the counts in {outcome!r} must not be negative")
    return y, offset, weights


def _weight(frame: pd.DataFrame, family: str, denominator, exposure) -> np.ndarray:
    """The per-row denominator (binomial) or exposure (poisson) shown with the series; 1 otherwise."""
    column = denominator if family == "binomial" else exposure if family == "poisson" else None
    return np.ones(len(frame)) if column is None else frame[column].astype(float).to_numpy()


# --- the engine shared by every design -------------------------------------------------------

@dataclass(frozen=True)
class _Matrix:
    """A design matrix: named columns as one float array (lighter than a frame in a loop)."""

    values: np.ndarray
    names: list[str]

    @classmethod
    def of(cls, cols: dict[str, np.ndarray]) -> "_Matrix":
        return cls(np.column_stack([np.asarray(v, dtype=float) for v in cols.values()]), list(cols))

    def rows(self, mask: np.ndarray) -> "_Matrix":
        return _Matrix(self.values[mask], self.names)

    def without(self, terms: list[str]) -> np.ndarray:
        """The values with ``terms`` set to zero (the counterfactual's design)."""
        out = self.values.copy()
        out[:, [self.names.index(t) for t in terms]] = 0.0
        return out


@dataclass
class _Fit:
    params: np.ndarray
    hac_cov: np.ndarray | None     # None when hac_lags == 0
    model_cov: np.ndarray
    df_resid: float
    dispersion: float
    rho: float
    names: list[str]


def hac_covariance(scores: np.ndarray, bread: np.ndarray, time_index: np.ndarray, lags: int,
                   n_params: int) -> np.ndarray:
    """Newey–West sandwich ``B · S · B`` with Bartlett weights ``1 − l/(lags+1)``.

    ``scores`` are per-row score contributions, summed per integer ``time_index`` first (with
    one row per time point this is plain Newey–West; with a panel it is Driscoll–Kraay); a time
    point without rows (left out of the fit) contributes zero, so lags count real time steps.
    ``bread`` is the inverse Hessian. Multiplied by ``n/(n − k)`` (rows, parameters).
    """
    t = np.asarray(time_index, dtype=int)
    h = np.zeros((t.max() - t.min() + 1, scores.shape[1]))
    np.add.at(h, t - t.min(), scores)
    meat = h.T @ h
    for lag in range(1, min(lags, len(h) - 1) + 1):
        gamma = h[lag:].T @ h[:-lag]
        meat += (1 - lag / (lags + 1)) * (gamma + gamma.T)
    n = scores.shape[0]
    return bread @ meat @ bread * n / max(n - n_params, 1)


def residual_autocorrelation(residuals: np.ndarray, time_index: np.ndarray, series_index: np.ndarray,
                             n_obs: int, n_params: int) -> float:
    """Lag-1 autocorrelation of Pearson residuals (pooled over series), bias-corrected, in [0, 0.9].

    Pairs are rows of the same series one time step apart. Residuals of a fitted regression
    understate positive autocorrelation, by about ``(k + 3ρ)/(n − k)`` (Kendall's ``(1 + 3ρ)/n``
    for an estimated mean, with ``k`` fitted terms as in the Durbin–Watson null mean); that
    amount is added back. Negative values are floored at 0: a short series may not claim extra
    precision from them.
    """
    num = den = 0.0
    for s in np.unique(series_index):
        mine = series_index == s
        r, t = residuals[mine], np.asarray(time_index)[mine]
        order = np.argsort(t, kind="stable")
        r, t = r[order], t[order]
        adjacent = np.diff(t) == 1
        num += float(r[1:][adjacent] @ r[:-1][adjacent])
        den += float(r @ r)
    if den <= 0 or n_obs - n_params < 1:
        return 0.0
    raw = num / den
    return float(min(max(raw + (n_params + 3 * raw) / (n_obs - n_params), 0.0), 0.9))


def _glm(y, X: _Matrix, family: str, offset, var_weights, hac_lags: int, time_index,
         series_index=None, residual_dims: tuple[int, int] | None = None) -> _Fit:
    """Fit the GLM and return the HAC and the AR(1) model-based covariances (module docstring).

    ``residual_dims`` = (observations, parameters) for the degrees of freedom and the
    autocorrelation correction when they differ from the design's (difference-in-differences:
    the time effects cancel in the treated-minus-control contrast, which has one row per time
    point and two parameters). Otherwise the degrees of freedom are time points − parameters.
    """
    Xa = X.values
    n_obs, k = Xa.shape
    time_index = np.asarray(time_index)
    n_time = len(np.unique(time_index))
    ar_n, ar_k = residual_dims or (n_time, k)
    df_resid = float(ar_n - ar_k)
    if df_resid < 1:
        raise ImpactError(f"{n_time} time points cannot support {k} parameters: use fewer harmonics or more data")
    if np.linalg.matrix_rank(Xa) < k:
        raise ImpactError("the model terms are collinear (e.g. an intervention at the very start or end)")
    model = GLM(y, Xa, family=_family(family), offset=offset, var_weights=var_weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # perfect-fit and domain warnings are checked below instead
        base = model.fit()
    beta = np.asarray(base.params)
    if not np.all(np.isfinite(beta)):
        raise ImpactError("the model could not be estimated (a constant or degenerate series?)")
    w = np.ones(n_obs) if var_weights is None else np.asarray(var_weights, dtype=float)
    mu = _mean(family, Xa @ beta + (0.0 if offset is None else offset))
    variance = {"gaussian": np.ones(n_obs), "poisson": mu, "binomial": mu * (1 - mu)}[family]
    # canonical links: score_i = w_i (y_i − μ_i) x_i and Hessian = Σ w_i V(μ_i) x_i x_iᵀ
    bread = np.linalg.inv(Xa.T @ (Xa * (w * variance)[:, None]))
    pearson = float(np.sum(w * (y - mu) ** 2 / np.maximum(variance, 1e-12)) / max(n_obs - k, 1))
    # under-dispersion is not trusted in short series: the quasi-likelihood scale is floored at 1
    dispersion = pearson if family == "gaussian" else max(pearson, 1.0)
    series_index = np.zeros(n_obs, dtype=int) if series_index is None else np.asarray(series_index)
    resid = (y - mu) * np.sqrt(w / np.maximum(variance, 1e-12))
    rho = residual_autocorrelation(resid, time_index, series_index, ar_n if residual_dims else n_obs,
                                   ar_k if residual_dims else k)
    same = np.equal.outer(series_index, series_index)
    working = np.where(same, rho ** np.abs(np.subtract.outer(time_index, time_index)), 0.0)
    XD = Xa * np.sqrt(w * variance)[:, None]
    model_cov = bread @ (XD.T @ working @ XD) @ bread * dispersion
    hac_cov = None
    if hac_lags > 0:
        scores = Xa * (w * (y - mu))[:, None]
        hac_cov = hac_covariance(scores, bread, time_index, hac_lags, k)
    return _Fit(beta, hac_cov, model_cov, df_resid, pearson, rho, list(X.names))


def _mean(family: str, eta: np.ndarray) -> np.ndarray:
    if family == "poisson":
        return np.exp(eta)
    if family == "binomial":
        return 1 / (1 + np.exp(-eta))
    return eta


def _effect_and_gradient(family: str, beta, X1, X0, offset):
    """The natural-scale average effect (on the log scale for rate ratios) and its gradient."""
    eta1, eta0 = X1 @ beta + offset, X0 @ beta + offset
    if family == "poisson":
        mu1, mu0 = np.exp(eta1), np.exp(eta0)
        value = math.log(mu1.sum()) - math.log(mu0.sum())
        grad = (mu1 @ X1) / mu1.sum() - (mu0 @ X0) / mu0.sum()
    elif family == "binomial":
        p1, p0 = _mean(family, eta1), _mean(family, eta0)
        value = float(np.mean(p1 - p0))
        grad = ((p1 * (1 - p1)) @ X1 - (p0 * (1 - p0)) @ X0) / len(p1)
    else:
        value = float(np.mean(eta1 - eta0))
        grad = (X1 - X0).mean(axis=0)
    return value, grad


def _choose_cov(fit: _Fit, grad: np.ndarray) -> np.ndarray:
    """The HAC covariance, unless the model-based one gives the effect a larger variance."""
    if fit.hac_cov is None:
        return fit.model_cov
    hac, model = fit.hac_cov, fit.model_cov
    return hac if grad @ hac @ grad >= grad @ model @ grad else model


@dataclass
class _Design:
    """What every design hands to ``_estimate``: the full-length design and which rows do what."""

    design: str
    family: str
    X: _Matrix                 # every row, transition rows included
    y: np.ndarray
    offset: np.ndarray | None
    weights: np.ndarray | None
    fit_rows: np.ndarray       # rows the model is fitted on
    effect_rows: np.ndarray    # rows the effect is averaged over (treated, post, fitted on)
    effect_terms: list[str]
    time_index: np.ndarray     # integer time position per row
    series: pd.DataFrame
    n_pre: int
    n_post: int
    series_index: np.ndarray | None = None
    residual_dims: tuple[int, int] | None = None
    notes: tuple[str, ...] = ()


def _estimate(d: _Design, hac_lags: int | None, alpha: float) -> ITSResult:
    """Fit ``d`` and return the effect over its effect rows with the series."""
    keep = d.fit_rows
    n_time = len(np.unique(d.time_index[keep]))
    lags = newey_west_lags(n_time) if hac_lags is None else int(hac_lags)
    fit = _glm(d.y[keep], d.X.rows(keep), d.family, None if d.offset is None else d.offset[keep],
               None if d.weights is None else d.weights[keep], lags, d.time_index[keep],
               None if d.series_index is None else d.series_index[keep], d.residual_dims)
    Xa = d.X.values
    X0a = d.X.without(d.effect_terms)
    off = np.zeros(len(Xa)) if d.offset is None else np.asarray(d.offset, dtype=float)
    rows = d.effect_rows
    value, grad = _effect_and_gradient(d.family, fit.params, Xa[rows], X0a[rows], off[rows])
    cov = _choose_cov(fit, grad)
    se = float(math.sqrt(max(grad @ cov @ grad, 0.0)))
    q = stats.t.ppf(1 - alpha / 2, fit.df_resid)
    p = float(2 * stats.t.sf(abs(value) / se, fit.df_resid)) if se > 0 else (0.0 if value else 1.0)
    if d.family == "poisson":
        effect, low, high = math.exp(value), math.exp(value - q * se), math.exp(value + q * se)
    else:
        effect, low, high = value, value - q * se, value + q * se
    eta0 = X0a @ fit.params + off
    se0 = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", X0a, cov, X0a), 0.0))
    out = pd.DataFrame({**{c: d.series[c].to_numpy() for c in d.series.columns}, "fitted_on": keep,
                        "fitted": _mean(d.family, Xa @ fit.params + off), "counterfactual": _mean(d.family, eta0),
                        "cf_low": _mean(d.family, eta0 - q * se0), "cf_high": _mean(d.family, eta0 + q * se0)})
    params = pd.DataFrame({"term": fit.names, "estimate": fit.params, "se": np.sqrt(np.diag(cov))})
    return ITSResult(design=d.design, family=d.family, measure=MEASURES[d.family], effect=float(effect),
                     low=float(low), high=float(high), p_value=p, alpha=alpha, series=out,
                     n_pre=d.n_pre, n_post=d.n_post, hac_lags=lags, dispersion=fit.dispersion,
                     autocorrelation=fit.rho, params=params, df_resid=fit.df_resid, notes=d.notes)


def _blank(frame: pd.DataFrame, skip: np.ndarray, outcome: str, denominator, exposure) -> pd.DataFrame:
    """Rows left out of the fit may hold anything: give them harmless values so checks pass."""
    if not skip.any():
        return frame
    out = frame.assign(**{outcome: frame[outcome].where(~skip, 0.0)})
    for column in (denominator, exposure):
        if column is not None:
            ok = out[column].astype(float).gt(0).fillna(False).to_numpy()
            out[column] = out[column].astype(float).where(~skip | ok, 1.0)
    return out


def _transition_rows(frame: pd.DataFrame, transition: str | None) -> np.ndarray:
    if transition is None:
        return np.zeros(len(frame), dtype=bool)
    return _indicator(frame, transition, "transition").astype(bool)


# --- interrupted time series -----------------------------------------------------------------

def fit_its(frame: pd.DataFrame, outcome: str, time: str, intervention, *, family: str = "gaussian",
            denominator: str | None = None, exposure: str | None = None, harmonics: int = 0,
            period: float = 12, slope_change: bool = False, adjust_for: tuple[str, ...] = (),
            transition: str | None = None, hac_lags: int | None = None, alpha: float = 0.05) -> ITSResult:
    """Segmented regression of one series around one intervention (Lopez Bernal et al. 2017).

    ``frame`` has one row per time point of a regular series; ``time`` is its datetime or numeric
    column; ``intervention`` is the first time point of the post-period (a date or number) or
    the name of a 0/1 column. Model, on the ``family``'s link scale::

        outcome ~ 1 + t + post [+ post·(t − t0)] + Σ_k (sin, cos)(2πk·t/period) + adjust_for

    ``denominator`` (binomial: the outcome is a share of it) and ``exposure`` (poisson: a
    log offset, e.g. working days) are column names. ``adjust_for`` adds covariates kept at
    their observed values in the counterfactual (e.g. another initiative's step); a covariate
    constant over the fitted rows is left out (noted in ``notes``). ``transition`` names a 0/1
    column of rows left out of the fit. ``hac_lags=None`` uses the Newey–West rule; ``0`` keeps
    only the model-based covariance.

    Returns an ``ITSResult``: the average post-period effect on the natural scale with its
    ``1 − alpha`` interval and p-value, and the observed, fitted and counterfactual series.
    """
    _check_family(family)
    data = frame.sort_values(time, kind="stable").reset_index(drop=True)
    position = _regular_positions(data[time])
    post = _post_indicator(data, time, intervention).astype(bool)
    skip = _transition_rows(data, transition)
    fit_rows = ~skip
    n_post = int((post & fit_rows).sum())
    n_pre = int((~post & fit_rows).sum())
    if n_pre < 2 or n_post < 1:
        raise ImpactError(f"{n_pre} points before and {n_post} after the intervention: an ITS needs at least "
                          "2 before and 1 after")
    y, offset, weights = _response(_blank(data, skip, outcome, denominator, exposure), outcome, family,
                                   denominator, exposure)
    t0 = position[post & fit_rows][0]
    cols = {"const": np.ones(len(data)), "trend": position, "step": post.astype(float)}
    if slope_change:
        cols["slope"] = post * np.maximum(position - t0, 0.0)
    cols.update(_fourier(position, harmonics, period))
    notes = []
    for name in adjust_for:
        values = data[name].astype(float).to_numpy()
        if np.ptp(values[fit_rows]) == 0:
            notes.append(f"{name} is constant here and was left out")  # it would duplicate the intercept
            continue
        cols[f"adj:{name}"] = values
    series = pd.DataFrame({"time": data[time], "group": "treated", "observed": data[outcome].astype(float),
                           "post": post, "weight": _weight(data, family, denominator, exposure)})
    design = _Design("its", family, _Matrix.of(cols), y, offset, weights, fit_rows, post & fit_rows,
                     ["step", "slope"] if slope_change else ["step"], position.astype(int), series,
                     n_pre, n_post, notes=tuple(notes))
    return _estimate(design, hac_lags, alpha)


def placebo_in_time(frame: pd.DataFrame, outcome: str, time: str, intervention, *,
                    min_each_side: int = 4, fake_start=None, transition: str | None = None,
                    **kwargs) -> ITSResult | None:
    """The same ITS on the pre-period only, with a fake start: it must find nothing.

    Rows from the real intervention on (its transition rows included) are dropped; the fake
    start is ``fake_start`` (a time value) or else the pre-period's middle point
    (``n_pre // 2``). An effect found here warns that the model mistakes pre-existing movement
    for impact. Returns None when the pre-period has fewer than ``min_each_side`` points on
    either side of the fake start or cannot carry the model.
    """
    data = frame.sort_values(time, kind="stable").reset_index(drop=True)
    post = _post_indicator(data, time, intervention).astype(bool)
    pre = data.loc[~post & ~_transition_rows(data, transition)].reset_index(drop=True)
    if fake_start is None:
        cut = len(pre) // 2
    else:
        start = pd.Timestamp(fake_start) if pd.api.types.is_datetime64_any_dtype(pre[time]) else fake_start
        cut = int((pre[time] < start).sum())
    if cut < min_each_side or len(pre) - cut < min_each_side:
        return None
    pre = pre.assign(_placebo=(np.arange(len(pre)) >= cut).astype(int))
    try:
        return fit_its(pre, outcome, time, "_placebo", **kwargs)
    except ImpactError:
        return None


# --- controlled designs ----------------------------------------------------------------------

def _panel(frame: pd.DataFrame, time: str, group: str, treated) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Two regular series stacked (control first), with their time positions and treated flag."""
    if group not in frame.columns:
        raise ImpactError(f"no group column {group!r}")
    values = sorted(frame[group].astype(str).unique())
    if str(treated) not in values or len(values) != 2:
        raise ImpactError(f"the group column {group!r} must hold exactly the treated value {treated!r} "
                          f"and one control value; found {values}")
    data = frame.assign(_g=(frame[group].astype(str) == str(treated)).astype(int))
    data = data.sort_values(["_g", time], kind="stable").reset_index(drop=True)
    times = sorted(data[time].unique())
    for g in (0, 1):
        part = data.loc[data["_g"] == g, time].reset_index(drop=True)
        _regular_positions(part)
        if list(part) != list(times):
            raise ImpactError("the treated and control series must cover the same time points")
    position = _regular_positions(pd.Series(times))
    pos = data[time].map(dict(zip(times, position))).to_numpy(dtype=float)
    return data, pos, data["_g"].to_numpy(dtype=float)


def _panel_design(frame, outcome, time, intervention, group, treated, family, denominator, exposure,
                  transition, pre_only=False):
    _check_family(family)
    data, pos, g = _panel(frame, time, group, treated)
    post = _post_indicator(data, time, intervention, g).astype(bool)
    skip = _transition_rows(data, transition)
    if pre_only:
        keep = ~post & ~skip
        data, pos, g = data.loc[keep].reset_index(drop=True), pos[keep], g[keep]
        post, skip = np.zeros(len(data), dtype=bool), np.zeros(len(data), dtype=bool)
    fit_rows = ~skip
    treated_rows = g == 1
    n_post = int((post & fit_rows & treated_rows).sum())
    n_pre = int((~post & fit_rows & treated_rows).sum())
    y, offset, weights = _response(_blank(data, skip, outcome, denominator, exposure), outcome, family,
                                   denominator, exposure)
    series = pd.DataFrame({"time": data[time], "group": np.where(treated_rows, "treated", "control"),
                           "observed": data[outcome].astype(float), "post": post,
                           "weight": _weight(data, family, denominator, exposure)})
    return data, pos, g, post, fit_rows, n_pre, n_post, y, offset, weights, series


def fit_controlled_its(frame: pd.DataFrame, outcome: str, time: str, intervention, group: str, treated, *,
                       family: str = "gaussian", denominator: str | None = None, exposure: str | None = None,
                       harmonics: int = 0, period: float = 12, slope_change: bool = False,
                       transition: str | None = None, hac_lags: int | None = None,
                       alpha: float = 0.05) -> ITSResult:
    """Controlled ITS: a treated and a control series (``group`` column, ``treated`` value).

    Model, on the link scale::

        outcome ~ 1 + t + G + G·t + post + G·post [+ post·(t−t0) + G·post·(t−t0)] + seasonality

    The control absorbs shocks common to both series at the start (``post``); the effect is
    the treated series' extra change (``G·post`` and, with ``slope_change``, ``G·post·(t−t0)``),
    averaged over the treated post rows on the natural scale. Standard errors are
    Driscoll–Kraay (HAC on the scores summed per time point, robust to the two series'
    correlation at the same time) against the AR(1) model-based ones, as in ``fit_its``.
    """
    data, pos, g, post, fit_rows, n_pre, n_post, y, offset, weights, series = _panel_design(
        frame, outcome, time, intervention, group, treated, family, denominator, exposure, transition)
    if n_pre < 2 or n_post < 1:
        raise ImpactError(f"{n_pre} points before and {n_post} after the intervention: too few")
    t0 = pos[post & fit_rows].min()
    cols = {"const": np.ones(len(data)), "trend": pos, "group": g, "group_trend": g * pos,
            "post": post * 1.0, "group_post": g * post}
    if slope_change:
        cols["slope"] = post * np.maximum(pos - t0, 0.0)
        cols["group_slope"] = g * cols["slope"]
    cols.update(_fourier(pos, harmonics, period))
    rows = (g == 1) & post & fit_rows
    design = _Design("controlled_its", family, _Matrix.of(cols), y, offset, weights, fit_rows, rows,
                     ["group_post", "group_slope"] if slope_change else ["group_post"], pos.astype(int), series,
                     n_pre, n_post, series_index=g.astype(int))
    return _estimate(design, hac_lags, alpha)


def _time_effects(pos: np.ndarray, fit_rows: np.ndarray) -> dict[str, np.ndarray]:
    """One dummy per fitted time point but the first (rows left out get no dummy of their own)."""
    return {f"t{int(p)}": (pos == p).astype(float) for p in sorted(np.unique(pos[fit_rows]))[1:]}


def fit_did(frame: pd.DataFrame, outcome: str, time: str, intervention, group: str, treated, *,
            family: str = "gaussian", denominator: str | None = None, exposure: str | None = None,
            transition: str | None = None, hac_lags: int | None = None, alpha: float = 0.05) -> ITSResult:
    """Difference-in-differences: ``outcome ~ G + time fixed effects + G·post``.

    Time fixed effects absorb every common shock (seasonality included); the identifying
    assumption is parallel trends, checked by ``parallel_trends``. The effect is ``G·post``
    on the natural scale, averaged over the treated post rows; degrees of freedom are those of
    the treated-minus-control contrast (time points − 2).
    """
    data, pos, g, post, fit_rows, n_pre, n_post, y, offset, weights, series = _panel_design(
        frame, outcome, time, intervention, group, treated, family, denominator, exposure, transition)
    if n_pre < 2 or n_post < 1:
        raise ImpactError(f"{n_pre} points before and {n_post} after the intervention: too few")
    cols = {"const": np.ones(len(data)), "group": g, **_time_effects(pos, fit_rows), "group_post": g * post}
    n_time = len(np.unique(pos[fit_rows]))
    rows = (g == 1) & post & fit_rows
    design = _Design("did", family, _Matrix.of(cols), y, offset, weights, fit_rows, rows, ["group_post"],
                     pos.astype(int), series, n_pre, n_post, series_index=g.astype(int),
                     residual_dims=(n_time, 2))
    return _estimate(design, hac_lags, alpha)


@dataclass(frozen=True)
class TrendCheck:
    """Pre-period parallel-trends test: the treated-minus-control trend per time step.

    ``difference`` is on the link scale (units per step for means, log-rate or log-odds per
    step otherwise); ``parallel`` is True when the test does not reject (p ≥ alpha).
    """

    difference: float
    low: float
    high: float
    p_value: float
    alpha: float
    n_pre: int

    @property
    def parallel(self) -> bool:
        return bool(self.p_value >= self.alpha)


def parallel_trends(frame: pd.DataFrame, outcome: str, time: str, intervention, group: str, treated, *,
                    family: str = "gaussian", denominator: str | None = None, exposure: str | None = None,
                    transition: str | None = None, hac_lags: int | None = None,
                    alpha: float = 0.05) -> TrendCheck:
    """Test parallel pre-trends: ``outcome ~ G + time fixed effects + G·t`` on pre-period rows.

    Returns the ``G·t`` coefficient (the gap's trend per time step), its interval and p-value.
    A small p-value says the groups were already drifting apart, so difference-in-differences
    would mistake that drift for an effect.
    """
    data, pos, g, post, fit_rows, n_pre, _, y, offset, weights, _ = _panel_design(
        frame, outcome, time, intervention, group, treated, family, denominator, exposure, transition,
        pre_only=True)
    if n_pre < 3:
        raise ImpactError(f"{n_pre} pre-period points: a trend check needs at least 3")
    X = _Matrix.of({"const": np.ones(len(data)), "group": g, **_time_effects(pos, fit_rows),
                    "group_trend": g * pos})
    lags = newey_west_lags(n_pre) if hac_lags is None else int(hac_lags)
    fit = _glm(y, X, family, offset, weights, lags, pos.astype(int), g.astype(int), residual_dims=(n_pre, 2))
    grad = np.zeros(len(X.names))
    grad[-1] = 1.0
    cov = _choose_cov(fit, grad)
    est, se = float(fit.params[-1]), float(math.sqrt(cov[-1, -1]))
    q = stats.t.ppf(1 - alpha / 2, fit.df_resid)
    p = float(2 * stats.t.sf(abs(est) / se, fit.df_resid)) if se > 0 else 1.0
    return TrendCheck(est, est - q * se, est + q * se, p, alpha, n_pre)
