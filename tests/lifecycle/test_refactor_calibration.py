"""Calibration after merging the sigmoid and the logistic fits: same values as before.

The expected numbers were computed by the implementation before the merge (one loss and
gradient per fit, the sigmoid written out in each ``apply``) on the data below; the pickles
are what that version wrote for the same objects (models registered in MLflow hold them).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from scoring.calibration import PlattScaling, StackedPlatt, sigmoid
from training.calibration import fit_platt, fit_stacked_platt

OLD_STACKED_PICKLE = (
    b"\x80\x04\x95\x8c\x00\x00\x00\x00\x00\x00\x00\x8c\x13scoring.calibration\x94\x8c\x0c"
    b"StackedPlatt\x94\x93\x94)\x81\x94}\x94(\x8c\x05slope\x94G?\xe8\xca\x10O\xfd\x10\xfa"
    b"\x8c\tintercept\x94G\xbf\xf1@\xb5\x9e\xe2\xb7\x02\x8c\x06weight\x94G?\xea\xcc\x17"
    b"\xca\xfc\xbcP\x8c\x06offset\x94G\xbf\xbf-\xc8~f\x87\\\x8c\x06center\x94G\xbf\xef\xad"
    b"\xc3\x84\xc1b\x00ub."
)
OLD_PLATT_PICKLE = (
    b"\x80\x04\x95V\x00\x00\x00\x00\x00\x00\x00\x8c\x13scoring.calibration\x94\x8c\x0c"
    b"PlattScaling\x94\x93\x94)\x81\x94}\x94(\x8c\x05slope\x94G?\xe6\x87\xbe\xd4\x9cX\xcb"
    b"\x8c\tintercept\x94G\xbf\xf1kK\\\xf1\roub."
)
PLATT = PlattScaling(slope=0.7040704872659033, intercept=-1.088694918683213)
STACKED_MIXED = StackedPlatt(
    slope=0.7746659815097978,
    intercept=-1.0782982069462723,
    weight=0.8374136890978523,
    offset=-0.12179234586667803,
    center=-0.9899613945845545,
)
STACKED_CUSTOMERS = StackedPlatt(
    slope=0.6765671807099886,
    intercept=-1.0213464974501056,
    weight=0.7421699017550881,
    offset=0.0,
    center=-0.9742615672568746,
)


def _data(seed: int = 3, n: int = 400, *, prospects: bool = True):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    margin = rng.normal(0.0, 2.0, n)
    log_expected = rng.normal(-1.0, 0.8, n)
    z = 0.7 * margin - 0.3 + 0.9 * log_expected
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(float)
    if prospects:
        log_expected[rng.uniform(size=n) < 0.3] = np.nan
    return margin, log_expected, y


def _close(fitted: object, expected: object) -> None:
    assert type(fitted) is type(expected)
    for name, value in vars(expected).items():
        assert getattr(fitted, name) == pytest.approx(value, abs=1e-9), name


def test_fits_give_the_values_of_the_separate_implementations() -> None:
    margin, log_expected, y = _data()
    _close(fit_platt(margin, y), PLATT)
    _close(fit_stacked_platt(margin, log_expected, y), STACKED_MIXED)
    margin, log_expected, y = _data(seed=5, prospects=False)
    _close(fit_stacked_platt(margin, log_expected, y), STACKED_CUSTOMERS)


def test_apply_gives_the_values_of_the_written_out_sigmoid() -> None:
    margin, log_expected, _ = _data()
    margin, log_expected = margin[:5], log_expected[:5]
    expected = {
        "stacked": [0.7429417619958014, 0.005113340928275688, 0.39400114051866053,
                    0.14446311293296524, 0.14435225840972601],
        "stacked, no BG/NBD": [0.8893149849858706, 0.00644572399771658, 0.39400114051866053,
                               0.12368779631033583, 0.14435225840972601],
        "platt": [0.8563386252196489, 0.009126256210728448, 0.3775517607544902,
                  0.1314504610463244, 0.15108853190533209],
    }  # fmt: skip
    applied = {
        "stacked": STACKED_MIXED.apply(margin, log_expected),
        "stacked, no BG/NBD": STACKED_MIXED.apply(margin),
        "platt": PLATT.apply(margin),
    }
    for name, values in expected.items():
        np.testing.assert_allclose(applied[name], values, rtol=0, atol=1e-12, err_msg=name)
    z = np.array([-1e6, -40.0, 0.0, 40.0, 1e6])
    np.testing.assert_array_equal(sigmoid(z), 1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0))))


def test_pickles_of_the_previous_version_load_and_score_the_same() -> None:
    margin, log_expected, _ = _data()
    for blob, expected in ((OLD_STACKED_PICKLE, STACKED_MIXED), (OLD_PLATT_PICKLE, PLATT)):
        loaded = pickle.loads(blob)
        assert loaded == expected
        np.testing.assert_array_equal(loaded.apply(margin), expected.apply(margin))
        assert pickle.loads(pickle.dumps(loaded)) == loaded
    loaded = pickle.loads(OLD_STACKED_PICKLE)
    np.testing.assert_array_equal(
        loaded.apply(margin, log_expected), STACKED_MIXED.apply(margin, log_expected)
    )
