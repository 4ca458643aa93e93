"""LinearThompsonRanker and its posterior: regret, propensities, discounting, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from absmem.errors import InvalidArgumentError, StoreCorruptError
from absmem.policy import FEATURES, LinearThompsonRanker, PolicyConfig, Posterior
from absmem.policy.ope import LoggedChoice, evaluate

D = len(FEATURES)
SIM, BROAD, RECENCY = (
    FEATURES.index("similarity"),
    FEATURES.index("broad"),
    FEATURES.index("recency"),
)


def _round(rng: np.random.Generator, n: int = 8) -> np.ndarray:
    """Candidates of one recall: a bias, random similarity and recency, and one "broad" arm that
    looks least similar but is the planted best."""
    x = np.zeros((n, D))
    x[:, 0] = 1.0
    x[:, SIM] = rng.uniform(0.5, 0.9, n)
    x[:, RECENCY] = rng.uniform(0.0, 1.0, n)
    best = int(rng.integers(n))
    x[best, BROAD] = 1.0
    x[best, SIM] = 0.45
    return x


def _truth(x: np.ndarray) -> np.ndarray:
    """Planted success probability: the broad arm pays 0.9, the others about 0.2 to 0.4."""
    return np.where(x[:, BROAD] > 0, 0.9, 0.2 + 0.2 * x[:, RECENCY])


def _regret(config: PolicyConfig, rounds: int, seed: int) -> float:
    ranker = LinearThompsonRanker(config)
    posterior = ranker.new_posterior()
    rng = np.random.default_rng(seed)
    regret = 0.0
    for _ in range(rounds):
        x = _round(rng)
        truth = _truth(x)
        served, _ = ranker.rank_with(posterior, x, [str(i) for i in range(len(x))], 1)
        pick = int(served[0].key)
        regret += float(truth.max() - truth[pick])
        reward = float(rng.random() < truth[pick])
        posterior.update(x[[pick]], np.array([reward]), np.ones(1))
    return regret


def test_thompson_regret_falls_below_greedy_on_planted_best_arms() -> None:
    """Greedy on the prior never tries the low-similarity arm; Thompson draws find it pays."""
    thompson = _regret(PolicyConfig(exploration=1.0, discount=1.0, seed=1), 1500, seed=0)
    greedy = _regret(PolicyConfig(exploration=0.0, discount=1.0), 1500, seed=0)
    assert thompson < 0.5 * greedy, (thompson, greedy)


def test_exploration_decays_with_evidence() -> None:
    ranker = LinearThompsonRanker(PolicyConfig(seed=0))
    posterior = ranker.new_posterior()
    rng = np.random.default_rng(0)
    x = _round(rng)
    _, before = ranker.rank_with(posterior, x, [str(i) for i in range(len(x))], 1)
    for _ in range(500):
        rows = _round(rng)
        posterior.update(rows, _truth(rows), np.ones(len(rows)))
    _, after = ranker.rank_with(posterior, x, [str(i) for i in range(len(x))], 1)
    assert after.max() > before.max()  # more sure of its first choice
    assert np.trace(posterior.covariance) < 0.2 * np.trace(ranker.new_posterior().covariance)


def test_propensities_sum_to_one_and_match_the_sampler() -> None:
    ranker = LinearThompsonRanker(PolicyConfig(exploration=3.0, draws=512, seed=4))
    posterior = ranker.new_posterior()
    x = _round(np.random.default_rng(2), n=5)
    keys = [str(i) for i in range(len(x))]
    counts = np.zeros((3, len(x)))
    logged = np.zeros((3, len(x)))
    tops = []
    trials = 3000
    for _ in range(trials):
        served, top = ranker.rank_with(posterior, x, keys, 3)
        tops.append(top)
        for item in served:
            counts[item.rank, int(item.key)] += 1
            logged[item.rank, int(item.key)] += item.propensity
    assert np.allclose(np.sum(tops, axis=1), 1.0)
    frequency = counts / trials
    assert frequency[0].min() < 0.9  # the draws really do vary
    # The mean logged propensity of (item, rank) is the sampler's frequency of it there.
    seen = counts > 50
    assert np.allclose(logged[seen] / counts[seen], frequency[seen], atol=0.04)
    assert np.allclose(np.mean(tops, axis=0), frequency[0], atol=0.03)


def test_exploration_off_is_deterministic() -> None:
    x = _round(np.random.default_rng(3))
    keys = [str(i) for i in range(len(x))]
    first = LinearThompsonRanker(PolicyConfig(exploration=0.0, seed=1))
    second = LinearThompsonRanker(PolicyConfig(exploration=0.0, seed=2))
    a, top_a = first.rank_with(first.new_posterior(), x, keys, 4)
    b, top_b = second.rank_with(second.new_posterior(), x, keys, 4)
    assert a == b
    assert [r.propensity for r in a] == [1.0] * 4
    assert np.array_equal(top_a, top_b)
    assert top_a.sum() == 1.0


def test_seeded_exploration_repeats() -> None:
    x = _round(np.random.default_rng(3))
    keys = [str(i) for i in range(len(x))]
    runs = []
    for _ in range(2):
        ranker = LinearThompsonRanker(PolicyConfig(seed=9))
        posterior = ranker.new_posterior()
        runs.append([ranker.rank_with(posterior, x, keys, 3)[0] for _ in range(20)])
    assert runs[0] == runs[1]


def _drift_reward(discount: float) -> float:
    """Recency pays before the switch and costs after it; reward over the 300 rounds after."""
    ranker = LinearThompsonRanker(PolicyConfig(exploration=0.5, discount=discount, seed=0))
    posterior = ranker.new_posterior()
    rng = np.random.default_rng(5)
    after = 0.0
    for t in range(1800):
        x = _round(rng)
        x[:, BROAD] = 0.0
        truth = 0.1 + 0.8 * (x[:, RECENCY] if t < 1500 else 1.0 - x[:, RECENCY])
        served, _ = ranker.rank_with(posterior, x, [str(i) for i in range(len(x))], 1)
        pick = int(served[0].key)
        reward = float(rng.random() < truth[pick])
        posterior.update(x[[pick]], np.array([reward]), np.ones(1))
        if t >= 1500:
            after += truth[pick] / truth.max()
    return after / 300


def test_discounting_recovers_after_a_change_of_what_works() -> None:
    assert _drift_reward(0.98) > _drift_reward(1.0) + 0.1


def test_off_policy_estimate_of_a_known_policy_covers_its_true_value() -> None:
    """Log with the Thompson ranker's own propensities, evaluate greedy-on-the-truth."""
    ranker = LinearThompsonRanker(PolicyConfig(exploration=2.0, seed=3))
    posterior = ranker.new_posterior()
    rng = np.random.default_rng(8)
    choices, true_values = [], []
    for _ in range(2000):
        x = _round(rng)
        truth = _truth(x)
        served, top = ranker.rank_with(posterior, x, [str(i) for i in range(len(x))], 1)
        pick = int(served[0].key)
        choices.append(LoggedChoice(x, pick, max(float(top[pick]), 1.0 / 256),
                                    float(rng.random() < truth[pick])))  # fmt: skip
        true_values.append(truth.max())

    def greedy(x: np.ndarray) -> np.ndarray:
        out = np.zeros(len(x))
        out[int(np.argmax(_truth(x)))] = 1.0
        return out

    result = evaluate(choices, greedy, seed=0)
    truth = float(np.mean(true_values))
    for name in ("snips", "dr"):
        estimate = result.estimates[name]
        assert estimate.low <= truth <= estimate.high, (name, estimate, truth)


def test_posterior_round_trips_and_refuses_tampering() -> None:
    config = PolicyConfig()
    posterior = Posterior(config)
    rows = _round(np.random.default_rng(0))
    posterior.update(rows, _truth(rows), np.ones(len(rows)))
    data, meta = posterior.to_bytes()
    again = Posterior.from_bytes(data, config, meta)
    assert np.allclose(again.mean, posterior.mean)
    assert again.evidence == posterior.evidence
    with pytest.raises(StoreCorruptError):
        Posterior.from_bytes(data[:-9], config, meta)
    with pytest.raises(StoreCorruptError, match="features"):
        Posterior.from_bytes(data, config, {**meta, "features": "bias,other"})


@pytest.mark.parametrize(
    ("name", "value"),
    [("exploration", -1.0), ("discount", 0.0), ("discount", 1.5), ("draws", 0),
     ("noise", 0.0), ("not_followed", 2.0), ("history", 1.5)],
)  # fmt: skip
def test_config_rejects_bad_values(name: str, value: float) -> None:
    with pytest.raises(InvalidArgumentError):
        PolicyConfig(**{name: value})  # type: ignore[arg-type]
