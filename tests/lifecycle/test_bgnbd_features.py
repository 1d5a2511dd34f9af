"""BG/NBD inside the production lifecycle model: P(a purchase), features, stacked calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.bgnbd import BGNBD, BGNBD_FEATURES, BGNBDFeatures, BGNBDParams
from scoring.calibration import PlattScaling, StackedPlatt
from scoring.features import build_features, feature_names
from scoring.lifecycle import as_matrix
from training.calibration import fit_platt, fit_stacked_platt
from training.datasets import CHURN, PURCHASE_DAYS, build_training_frame

TRUE = BGNBDParams(r=0.5, alpha=20.0, a=0.8, b=3.0)


def _simulate(n: int, T: float, t: float, seed: int) -> tuple[np.ndarray, ...]:
    """BG/NBD customers first buying at time 0: (x, t_x) in (0, T] and a purchase in (T, T+t]."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUE.r, 1.0 / TRUE.alpha, n)
    p = rng.beta(TRUE.a, TRUE.b, n)
    x, t_x, later = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
    now, alive = np.zeros(n), np.ones(n, dtype=bool)
    while alive.any():
        gap = rng.exponential(1.0 / lam)
        now = np.where(alive, now + gap, now)
        inside = alive & (now <= T)
        x[inside] += 1
        t_x[inside] = now[inside]
        later |= alive & (now > T) & (now <= T + t)
        alive &= now <= T  # only the first purchase after T matters
        alive &= rng.uniform(size=n) >= p  # dropout right after a purchase
    return x, t_x, np.full(n, T), later


def test_probability_of_a_purchase_matches_simulated_customers() -> None:
    x, t_x, T, later = _simulate(40_000, T=52.0, t=13.0, seed=1)
    model = BGNBD.from_params(TRUE)
    p = model.probability_purchase(13.0, x, t_x, T)
    assert np.all((p >= 0) & (p <= 1))
    assert p.mean() == pytest.approx(later.mean(), abs=0.01)
    for group in (x == 0, (x >= 1) & (x < 3), x >= 3):
        assert p[group].mean() == pytest.approx(later[group].mean(), abs=0.025)
    # never above the expected number of purchases; zero for an empty window
    assert np.all(p <= model.expected_purchases(13.0, x, t_x, T) + 1e-9)
    assert np.allclose(model.probability_purchase(0.0, x, t_x, T), 0.0)


def test_features_from_point_in_time_columns(tiny_events, tiny_transactions) -> None:
    names = feature_names()
    f = build_features(tiny_events, tiny_transactions, "2024-07-01")
    X = as_matrix(f, names)
    fit = BGNBDFeatures(TRUE, horizon_days=90)
    out = pd.DataFrame(fit.transform(X, names), index=f.index, columns=list(BGNBD_FEATURES))
    # "a" ordered on 3 days (2 repeat days): a customer; "b" only has events: a prospect
    assert out.loc["b"].isna().all() and out.loc["a"].notna().all()
    model = BGNBD.from_params(TRUE)
    age = f.loc["a", "days_since_first_order"]
    expected = model.probability_purchase(90, 2, age - f.loc["a", "days_since_last_order"], age)
    assert out.loc["a", "bgnbd_p_purchase"] == pytest.approx(float(expected))
    # the one-pass transform equals the model's methods
    rng = np.random.default_rng(0)
    Z = np.full((300, len(names)), np.nan)
    zx = rng.integers(0, 6, 300).astype(float)
    zage = rng.uniform(1, 400, 300)
    zspan = np.where(zx > 0, zage * rng.uniform(0, 1, 300), 0.0)
    for name, v in zip(
        ("repeat_order_days", "order_span_days", "days_since_first_order"),
        (zx, zspan, zage),
        strict=True,
    ):
        Z[:, names.index(name)] = v
    got = fit.transform(Z, names)
    np.testing.assert_allclose(got[:, 0], model.probability_purchase(90, zx, zspan, zage))
    np.testing.assert_allclose(got[:, 1], model.probability_alive(zx, zspan, zage))
    np.testing.assert_allclose(got[:, 2], model.expected_purchases(90, zx, zspan, zage))
    # too few customers to fit: no parameters, all NaN (never an error)
    few = BGNBDFeatures.fit(X, names, 90)
    assert few.params is None and np.isnan(few.transform(X, names)).all()


def test_fit_recovers_parameters_from_simulated_features() -> None:
    x, t_x, T, _ = _simulate(8_000, T=52.0, t=13.0, seed=2)
    names = feature_names()
    X = np.full((len(x), len(names)), np.nan)
    X[:, names.index("repeat_order_days")] = x
    X[:, names.index("order_span_days")] = t_x
    X[:, names.index("days_since_first_order")] = T
    fit = BGNBDFeatures.fit(X, names, 13.0)
    assert fit.params is not None
    assert fit.params.r == pytest.approx(TRUE.r, rel=0.2)
    assert fit.params.alpha == pytest.approx(TRUE.alpha, rel=0.3)


def test_stacked_calibration_uses_a_second_signal_and_falls_back_without_one() -> None:
    rng = np.random.default_rng(4)
    n = 6_000
    tree_part = np.round(rng.normal(size=n), 1)  # coarse, like a booster's margin
    smooth = rng.normal(size=n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(tree_part + smooth - 1)))).astype(float)
    log_expected = smooth.copy()
    log_expected[:500] = np.nan  # prospects: no BG/NBD value
    stacked = fit_stacked_platt(tree_part, log_expected, y)
    assert isinstance(stacked, StackedPlatt) and stacked.weight > 0.5

    def log_loss(p: np.ndarray) -> float:
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    plain = fit_platt(tree_part, y)
    assert (
        log_loss(stacked.apply(tree_part, log_expected)) < log_loss(plain.apply(tree_part)) - 0.02
    )
    # prospects get plain Platt scaling on the margin
    p = stacked.apply(tree_part[:500], log_expected[:500])
    assert np.allclose(p, PlattScaling(stacked.slope, stacked.intercept).apply(tree_part[:500]))
    # a second input that carries nothing, or points the wrong way, is dropped
    assert isinstance(fit_stacked_platt(tree_part, np.zeros(n), y), PlattScaling)
    assert isinstance(fit_stacked_platt(tree_part, -log_expected, y), PlattScaling)


def test_count_label_and_churn_ignores_passive_events() -> None:
    ts = pd.Timestamp
    tx = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5", "o6"],
            "account_id": ["a", "b", "a", "a", "a", "b"],
            "timestamp": [
                ts("2024-01-05", tz="UTC"),
                ts("2024-01-06", tz="UTC"),
                ts("2024-03-02 09:00", tz="UTC"),  # two orders on one day: one purchase day
                ts("2024-03-02 15:00", tz="UTC"),
                ts("2024-04-20", tz="UTC"),
                ts("2024-12-01", tz="UTC"),  # ends the data
            ],
            "amount": [10.0, 20.0, 5.0, 5.0, 7.0, 1.0],
        }
    )
    ev = pd.DataFrame(
        {
            "event_id": ["e1", "e2", "e3"],
            "account_id": ["b", "b", "c"],
            "timestamp": [ts("2024-02-10", tz="UTC"), ts("2024-03-10", tz="UTC")] * 1
            + [ts("2024-01-03", tz="UTC")],
            "event_type": ["email_open", "web_visit", "email_click"],
        }
    )
    frame = build_training_frame(ev, tx, as_of_dates=[ts("2024-02-01", tz="UTC")]).set_index(
        "account_id"
    )
    assert frame.loc["a", PURCHASE_DAYS] == 2 and frame.loc["b", PURCHASE_DAYS] == 0
    # b only opened an e-mail and visited the site: churned; a ordered: not churned
    assert frame.loc["b", CHURN] == 1 and frame.loc["a", CHURN] == 0
    assert np.isnan(frame.loc["c", CHURN])  # a prospect
    from training.datasets import StageRules

    strict = build_training_frame(
        ev,
        tx,
        as_of_dates=[ts("2024-02-01", tz="UTC")],
        rules=StageRules(churn_passive_events=()),
    ).set_index("account_id")
    assert strict.loc["b", CHURN] == 0
