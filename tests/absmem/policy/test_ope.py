"""Off-policy evaluation: estimators on a synthetic contextual bandit, weights, validation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from absmem.errors import InvalidArgumentError
from absmem.policy.ope import (
    Estimate,
    LoggedChoice,
    PolicyEvaluation,
    evaluate,
    fit_reward_model,
)

K, D = 5, 4  # candidates per recall; features per candidate (the first is a constant 1)
THETA = np.array([-0.3, 1.2, -0.8, 0.6])  # true P(reward) = sigmoid(features @ THETA)
LOGGING = np.array([0.0, 0.4, 0.3, -0.3])  # logging policy: softmax(features @ LOGGING)
TARGET = 2.0 * THETA  # target policy: a sharp softmax that prefers truly good candidates


def _softmax_policy(coef: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    def policy(features: np.ndarray) -> np.ndarray:
        scores = features @ coef
        probs: np.ndarray = np.exp(scores - scores.max())
        probs /= probs.sum()
        return probs

    return policy


def _bandit(seed: int, n: int = 3000) -> tuple[list[LoggedChoice], list[np.ndarray]]:
    """``n`` choices logged by the LOGGING softmax, and each context's true reward probabilities."""
    rng = np.random.default_rng(seed)
    logging_policy = _softmax_policy(LOGGING)
    choices, truth = [], []
    for _ in range(n):
        features = np.hstack([np.ones((K, 1)), rng.normal(size=(K, D - 1))])
        p_true = 1.0 / (1.0 + np.exp(-(features @ THETA)))
        mu = logging_policy(features)
        action = int(rng.choice(K, p=mu))
        reward = float(rng.random() < p_true[action])
        choices.append(LoggedChoice(features, action, float(mu[action]), reward))
        truth.append(p_true)
    return choices, truth


def _true_value(
    choices: list[LoggedChoice], truth: list[np.ndarray], policy: Callable[..., np.ndarray]
) -> float:
    return float(np.mean([policy(c.features) @ p for c, p in zip(choices, truth, strict=True)]))


@pytest.fixture(scope="module")
def bandit() -> tuple[list[LoggedChoice], list[np.ndarray]]:
    return _bandit(seed=0)


def test_true_value_lies_in_every_interval(
    bandit: tuple[list[LoggedChoice], list[np.ndarray]],
) -> None:
    choices, truth = bandit
    target = _softmax_policy(TARGET)
    true_value = _true_value(choices, truth, target)
    logged_value = _true_value(choices, truth, _softmax_policy(LOGGING))
    assert true_value > logged_value + 0.1  # the target is a real improvement to detect
    result = evaluate(choices, target)
    assert isinstance(result, PolicyEvaluation)
    assert set(result.estimates) == {"ips", "snips", "dr"}
    assert result.n == len(choices)
    assert result.confidence == 0.95
    assert 0 < result.effective_sample_size < len(choices)
    for name, est in result.estimates.items():
        assert est.name == name
        assert est.low <= est.value <= est.high
        assert est.low <= true_value <= est.high, (name, est, true_value)
    assert result.best() is result.estimates["dr"]
    assert result.logged.name == "logged"
    assert result.logged.high < result.best().low  # the gate would see the improvement


def test_dr_interval_is_usually_narrower_than_ips() -> None:
    narrower = 0
    for seed in range(5):
        choices, _ = _bandit(seed, n=1500)
        result = evaluate(choices, _softmax_policy(TARGET), bootstrap=200, seed=seed)
        ips, dr = result.estimates["ips"], result.estimates["dr"]
        narrower += (dr.high - dr.low) <= (ips.high - ips.low)
    assert narrower >= 4


def test_logging_policy_matches_logged_mean(
    bandit: tuple[list[LoggedChoice], list[np.ndarray]],
) -> None:
    choices, _ = bandit
    result = evaluate(choices, _softmax_policy(LOGGING), bootstrap=100)
    mean = float(np.mean([c.reward for c in choices]))
    assert result.logged.value == pytest.approx(mean)
    for name in ("ips", "snips"):
        assert result.estimates[name].value == pytest.approx(mean, abs=1e-9)
    assert result.best().value == pytest.approx(mean, abs=0.02)


def test_effective_sample_size_is_n_for_the_logging_policy(
    bandit: tuple[list[LoggedChoice], list[np.ndarray]],
) -> None:
    choices, _ = bandit
    result = evaluate(choices[:500], _softmax_policy(LOGGING), bootstrap=10)
    assert result.effective_sample_size == pytest.approx(500)


def test_evaluation_is_deterministic_for_a_seed(
    bandit: tuple[list[LoggedChoice], list[np.ndarray]],
) -> None:
    choices = bandit[0][:300]
    target = _softmax_policy(TARGET)
    first = evaluate(choices, target, bootstrap=50, seed=3)
    assert evaluate(choices, target, bootstrap=50, seed=3) == first
    assert evaluate(choices, target, bootstrap=50, seed=4) != first


def test_clipping_caps_the_weights() -> None:
    features = np.eye(2)
    rows = [LoggedChoice(features, 0, 0.01, 1.0), LoggedChoice(features, 1, 0.99, 0.0)]
    result = evaluate(rows, lambda x: np.array([1.0, 0.0]), bootstrap=20, clip=10.0)
    assert result.estimates["ips"].value == pytest.approx(10.0 / 2)  # weight 100 clipped to 10
    assert result.estimates["snips"].value == pytest.approx(1.0)


def test_no_overlap_gives_zero_snips_and_zero_ess() -> None:
    features = np.eye(2)
    rows = [LoggedChoice(features, 0, 0.5, 1.0), LoggedChoice(features, 0, 0.5, 0.0)]
    result = evaluate(rows, lambda x: np.array([0.0, 1.0]), bootstrap=20)
    assert result.effective_sample_size == 0.0
    assert result.estimates["snips"] == Estimate("snips", 0.0, 0.0, 0.0)
    assert result.estimates["ips"] == Estimate("ips", 0.0, 0.0, 0.0)


def test_cross_fitting_with_few_records_fits_on_all() -> None:
    rows = [LoggedChoice(np.array([[1.0], [0.0]]), 0, 0.5, 1.0) for _ in range(3)]
    result = evaluate(rows, lambda x: np.array([1.0, 0.0]), ridge=0.0, bootstrap=10)
    assert result.best().value == pytest.approx(1.0)  # q = 1 exactly, so DR = 1 + w * 0


def test_fit_reward_model_recovers_planted_weights() -> None:
    rng = np.random.default_rng(7)
    planted = np.array([0.3, 0.1, -0.05, 0.02])
    rows = []
    for _ in range(200):
        features = np.hstack([np.ones((3, 1)), rng.uniform(-1, 1, size=(3, 3))])
        action = int(rng.integers(3))
        rows.append(LoggedChoice(features, action, 1 / 3, float(features[action] @ planted)))
    np.testing.assert_allclose(fit_reward_model(rows, ridge=0.0), planted, atol=1e-10)
    np.testing.assert_allclose(fit_reward_model(rows, ridge=1e-6), planted, atol=1e-6)
    shrunk = fit_reward_model(rows, ridge=1e4)
    assert np.linalg.norm(shrunk) < np.linalg.norm(planted)


GOOD = np.eye(3)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"propensity": 0.0}, "propensity"),
        ({"propensity": 1.5}, "propensity"),
        ({"propensity": float("nan")}, "propensity"),
        ({"reward": -0.1}, "reward"),
        ({"reward": 1.1}, "reward"),
        ({"reward": float("nan")}, "reward"),
        ({"reward": float("inf")}, "reward"),
        ({"reward": "1"}, "reward"),
        ({"propensity": None}, "propensity"),
        ({"action": 3}, "action"),
        ({"action": -1}, "action"),
        ({"action": 1.0}, "action"),
        ({"action": True}, "action"),
        ({"features": np.ones(3)}, "features"),
        ({"features": np.ones((0, 2))}, "features"),
        ({"features": np.full((3, 2), np.nan)}, "features"),
    ],
)
def test_logged_choice_validation(kwargs: dict[str, object], argument: str) -> None:
    fields: dict[str, object] = {"features": GOOD, "action": 0, "propensity": 0.5, "reward": 1.0}
    fields.update(kwargs)
    with pytest.raises(InvalidArgumentError, match=f"^{argument}:") as info:
        LoggedChoice(**fields)  # type: ignore[arg-type]
    assert info.value.argument == argument


def test_logged_choice_features_are_a_read_only_copy() -> None:
    features = np.eye(2)
    choice = LoggedChoice(features, 1, 1.0, 0.0)
    features[0, 0] = 9.0
    assert choice.features[0, 0] == 1.0
    assert not choice.features.flags.writeable
    numpy_index = LoggedChoice(features, np.int64(1), 1.0, 0.0)  # type: ignore[arg-type]
    assert type(numpy_index.action) is int


UNIFORM = _softmax_policy(np.zeros(3))
ROWS = [LoggedChoice(GOOD, i % 3, 1 / 3, float(i % 2)) for i in range(6)]


@pytest.mark.parametrize(
    ("choices", "target", "kwargs", "argument"),
    [
        ([], UNIFORM, {}, "choices"),
        ([*ROWS, LoggedChoice(np.eye(2), 0, 0.5, 1.0)], UNIFORM, {}, "choices"),
        (ROWS, lambda x: np.full(2, 0.5), {}, "target"),
        (ROWS, lambda x: np.full((3, 1), 1 / 3), {}, "target"),
        (ROWS, lambda x: np.full(3, 0.5), {}, "target"),
        (ROWS, lambda x: np.array([1.5, -0.5, 0.0]), {}, "target"),
        (ROWS, lambda x: np.array([np.nan, 0.5, 0.5]), {}, "target"),
        (ROWS, lambda x: None, {}, "target"),
        (ROWS, lambda x: "abc", {}, "target"),
        (ROWS, UNIFORM, {"confidence": 0.0}, "confidence"),
        (ROWS, UNIFORM, {"confidence": 1.0}, "confidence"),
        (ROWS, UNIFORM, {"confidence": float("nan")}, "confidence"),
        (ROWS, UNIFORM, {"bootstrap": 0}, "bootstrap"),
        (ROWS, UNIFORM, {"bootstrap": 2.5}, "bootstrap"),
        (ROWS, UNIFORM, {"clip": 0.0}, "clip"),
        (ROWS, UNIFORM, {"ridge": -1.0}, "ridge"),
    ],
)
def test_evaluate_validation(
    choices: list[LoggedChoice],
    target: Callable[[np.ndarray], np.ndarray],
    kwargs: dict[str, float],
    argument: str,
) -> None:
    with pytest.raises(InvalidArgumentError, match=f"^{argument}:") as info:
        evaluate(choices, target, **kwargs)  # type: ignore[arg-type]
    assert info.value.argument == argument


@pytest.mark.parametrize(
    ("choices", "ridge", "argument"), [([], 1.0, "choices"), (ROWS, -1.0, "ridge")]
)
def test_fit_reward_model_validation(
    choices: list[LoggedChoice], ridge: float, argument: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=f"^{argument}:"):
        fit_reward_model(choices, ridge)
