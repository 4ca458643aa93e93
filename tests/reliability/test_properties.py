"""Property-based tests of the public verbs with hostile input.

Every call either succeeds with its documented behaviour or raises an ``AbsmemError`` whose
message names the argument (never a raw ``sqlite3``, ``UnicodeEncodeError`` or ``TypeError``
from deep inside), and afterwards the memory is consistent: ``count()`` equals what was
remembered minus what was forgotten, everything remembered is still recallable (also after a
reopen), and SQLite's integrity check passes.

Each test keeps one memory across all its examples (the state they build up is part of what is
tested) and runs its final checks after the last example. The examples are derandomized, so a
run is the same every time.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from absmem import (
    AbsmemError,
    AbstractionMemory,
    Assessment,
    Feedback,
    InvalidArgumentError,
    Recall,
    UnknownTargetError,
)

from .conftest import Open, TinyEmbedder, integrity

MB = 1 << 20
SURROGATES = ["\ud800", "x\udfff", "ok \ud83d ok", "\udc80"]
MIXED = [
    "日本語の質問 العربية русский 😀",
    "👍🏽 e\u0301 👩\u200d💻 \u202eRTL override",
    "\u210c\U0001d522\U0001d529 Ελληνικά עברית हिन्दी",  # (fraktur letters)
    "\ufeffBOM first",
    "﷽ \U0010ffff \U0001f600",
]
BINARYISH = [
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31mred",
    "\x7f\x80\x9f",
    "tab\tcr\rlf\nvt\x0b",
    "\x00" * 64,
]
BLANK = ["", " ", "\n\t ", "\u3000", "\x1c\x1d"]
HUGE = ["x" * MB, ("日本語😀 " * (MB // 16))[: MB // 3], "\x00" * MB]
BASE = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- what the documentation promises ---------------------------------------------------------


def utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def text_ok(value: object) -> bool:
    """A non-empty string, not only whitespace, that UTF-8 can encode."""
    return isinstance(value, str) and bool(value.strip()) and utf8(value)


def id_ok(value: object, required: bool = False) -> bool:
    """``None`` (unless required) or a non-empty string id without surrounding whitespace."""
    if value is None:
        return not required
    return isinstance(value, str) and value != "" and value == value.strip() and utf8(value)


def namespace_ok(value: object) -> bool:
    return value is None or text_ok(value)


def as_json(metadata: object) -> tuple[bool, Any]:
    """Whether metadata is accepted, and how ``get`` returns it (through JSON)."""
    if metadata is None:
        return True, {}
    if not isinstance(metadata, Mapping) or not all(isinstance(k, str) for k in metadata):
        return False, None
    try:
        return True, json.loads(json.dumps(dict(metadata), allow_nan=False))
    except (TypeError, ValueError, RecursionError):
        return False, None


def reward_ok(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        number = float(value)
    except OverflowError:
        return False
    return math.isfinite(number) and -1.0 <= number <= 1.0


# -- strategies: each argument has good values (documented as accepted) and bad ones -----------

not_strings = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(max_size=8),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(object),
)
good_texts = st.one_of(
    st.text(min_size=1, max_size=40).filter(text_ok),  # any code point: controls, NUL, ...
    st.text(alphabet=st.sampled_from(list("aé日ع😀\u200d\x00\x1b\n ")), min_size=1,
            max_size=12).filter(text_ok),
    st.sampled_from(MIXED + BINARYISH),
    st.sampled_from(HUGE),
)  # fmt: skip
bad_texts = st.one_of(st.sampled_from(SURROGATES + BLANK), not_strings)
good_ids = st.one_of(st.none(), good_texts.filter(lambda s: s == s.strip()))
bad_ids = st.one_of(
    st.sampled_from([*SURROGATES, *BLANK, " padded", "tab\t"]),
    not_strings.filter(lambda v: v is not None),
)


def _deep(depth: int) -> list[Any]:
    nested: list[Any] = []
    for _ in range(depth):
        nested = [nested]
    return nested


def _circular() -> dict[str, Any]:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    return loop


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False,
              allow_infinity=False), st.text(max_size=8), st.sampled_from(SURROGATES + MIXED)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner),
        st.dictionaries(st.one_of(st.text(max_size=4), st.integers()), inner, max_size=3),
    ),
    max_leaves=6,
)  # fmt: skip
good_metadata = st.one_of(
    st.none(),
    st.dictionaries(st.one_of(st.text(max_size=8), st.sampled_from(SURROGATES + MIXED)),
                    json_values, max_size=3),
    st.just({"big": "x" * MB}),
)  # fmt: skip
bad_metadata = st.one_of(
    st.dictionaries(st.text(max_size=4), st.one_of(
        st.sampled_from([math.nan, math.inf, -math.inf]), st.binary(max_size=4),
        st.builds(object), st.sets(st.integers(), max_size=2)), min_size=1, max_size=2),
    st.dictionaries(st.integers(), st.integers(), min_size=1, max_size=2),
    st.builds(lambda: {"deep": _deep(100_000)}),
    st.builds(_circular),
    st.lists(st.integers(), max_size=2),
    st.text(max_size=3),
    st.integers(),
    st.binary(max_size=3),
)  # fmt: skip
bad_namespaces = st.one_of(
    st.sampled_from(SURROGATES + BLANK), not_strings.filter(lambda v: v is not None)
)
good_rewards = st.one_of(
    st.floats(min_value=-1.0, max_value=1.0), st.sampled_from([-1, 0, 1, -0.0, 0.5])
)
bad_rewards = st.one_of(
    st.floats().filter(lambda f: not -1.0 <= f <= 1.0),  # NaN, +-inf, out of range
    st.integers().filter(lambda i: abs(i) > 1),
    st.sampled_from([10**400, -(10**400), 1.0000001, -1.0000001]),
    st.booleans(),
    st.none(),
    st.text(max_size=4),
    st.binary(max_size=4),
    st.lists(st.floats(), max_size=2),
)
good_ks = st.one_of(st.integers(1, 1000), st.sampled_from([1, 1000]))
bad_ks = st.one_of(
    st.integers(max_value=0), st.integers(min_value=1001), st.floats(), st.booleans(),
    st.none(), st.text(max_size=2), st.sampled_from([2.0, "5", 10**400]),
)  # fmt: skip
Fields = dict[str, tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]]


@st.composite
def calls(draw: st.DrawFn, fields: Fields, least: int = 0, most: int = 2) -> dict[str, Any]:
    """Arguments drawn from the good values, except ``least`` to ``most`` spoiled ones."""
    spoiled = draw(st.lists(st.sampled_from(sorted(fields)), min_size=least, max_size=most,
                            unique=True))  # fmt: skip
    return {name: draw(bad if name in spoiled else good) for name, (good, bad) in fields.items()}


def expect_error(invalid: set[str], call: Callable[..., object], *args: Any, **kwargs: Any
                 ) -> InvalidArgumentError:  # fmt: skip
    """``call(*args, **kwargs)`` raises an absmem error naming one of the ``invalid`` arguments."""
    with pytest.raises(AbsmemError) as caught:
        call(*args, **kwargs)
    err = caught.value
    assert isinstance(err, InvalidArgumentError), repr(err)
    assert err.argument in invalid, (err.argument, invalid)
    assert str(err).startswith(f"{err.argument}: expected"), str(err)
    return err


# -- the memory's expected state -------------------------------------------------------------


@dataclass
class Ledger:
    """What a memory must hold: every successful remember, by namespace."""

    mem: AbstractionMemory
    folder: Path
    reopen: Callable[[], AbstractionMemory]
    kept: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id -> ns, ctx, resp
    namespaces: set[str] = field(default_factory=lambda: {"default"})
    seen: Counter[str] = field(default_factory=Counter)  # outcomes met, to check coverage

    def add(self, exp_id: str, namespace: str, context: str, response: str) -> None:
        assert exp_id not in self.kept
        self.kept[exp_id] = (namespace, context, response)
        self.namespaces.add(namespace)

    def ids(self, namespace: str = "default") -> list[str]:
        return [i for i, (ns, _, _) in self.kept.items() if ns == namespace]

    def check_counts(self) -> None:
        for ns in self.namespaces:
            assert self.mem.count(namespace=ns) == len(self.ids(ns)), ns

    def totals(self) -> tuple[float, float]:
        """Outcome and usage evidence summed over every stored experience."""
        outcome = usage = 0.0
        for exp_id, (ns, _, _) in self.kept.items():
            stored = self.mem.get(exp_id, namespace=ns)
            assert stored is not None, exp_id
            outcome += stored.outcome.n
            usage += stored.usage.n
        return outcome, usage

    def check_all(self) -> None:
        """Counts, texts, recallability, file integrity; then the same after a reopen."""
        for round_ in ("open", "reopened"):
            self.check_counts()
            for exp_id, (ns, context, response) in self.kept.items():
                stored = self.mem.get(exp_id, namespace=ns)
                assert stored is not None, (round_, exp_id)
                assert (stored.context, stored.response) == (context, response)
                served = self.mem.recall(context, k=1000, namespace=ns).items
                assert exp_id in {item.id for item in served}, (round_, exp_id)
            self.mem.close()
            assert integrity(self.folder) == "ok"
            if round_ == "open":
                self.mem = self.reopen()
        assert self.mem.closed


@pytest.fixture
def ledger(open_tiny: Open, tmp_path: Path) -> Ledger:
    return Ledger(open_tiny(), tmp_path / "mem", open_tiny)


def _seed(ledger: Ledger) -> tuple[list[str], str]:
    """Three plain experiences and a recall that served them."""
    for context, response in (
        ("how do I reset my card pin?", "Cards > Reset PIN in the app."),
        ("what is my balance?", "Accounts shows it."),
        ("is it raining?", "I cannot see the weather."),
    ):
        ledger.add(ledger.mem.remember(context, response, user_id="seed"), "default",
                   context, response)  # fmt: skip
    recall = ledger.mem.recall("reset my pin", k=3, user_id="seed")
    assert recall.items
    return ledger.ids(), recall.id


# -- remember ---------------------------------------------------------------------------------


ITEM: Fields = {
    "context": (good_texts, bad_texts),
    "response": (good_texts, bad_texts),
    "user_id": (good_ids, bad_ids),
    "metadata": (good_metadata, bad_metadata),
}
REMEMBER: Fields = {
    **ITEM,
    "session_id": (good_ids, bad_ids),
    "namespace": (st.one_of(st.none(), st.none(), good_texts), bad_namespaces),
}


def test_remember_any_input(ledger: Ledger) -> None:
    @settings(BASE, max_examples=150)
    @given(args=calls(REMEMBER))
    def example(args: dict[str, Any]) -> None:
        context, response, metadata = args["context"], args["response"], args["metadata"]
        user_id, session_id, namespace = args["user_id"], args["session_id"], args["namespace"]
        meta_ok, meta = as_json(metadata)
        checks = {
            "context": text_ok(context), "response": text_ok(response),
            "user_id": id_ok(user_id), "session_id": id_ok(session_id), "metadata": meta_ok,
            "namespace": namespace_ok(namespace),
        }  # fmt: skip
        kwargs = {"user_id": user_id, "session_id": session_id, "metadata": metadata}
        if namespace is not None:
            kwargs["namespace"] = namespace

        def call() -> str:
            return ledger.mem.remember(context, response, **kwargs)

        if all(checks.values()):
            exp_id = call()
            ns = "default" if namespace is None else str(namespace)
            ledger.add(exp_id, ns, str(context), str(response))
            stored = ledger.mem.get(exp_id, namespace=ns)
            assert stored is not None
            assert (stored.context, stored.response) == (context, response)
            assert (stored.user_id, stored.session_id) == (user_id, session_id)
            assert stored.metadata == meta
            ledger.seen["stored"] += 1
            ledger.seen["stored unusual"] += not str(context).isprintable()
        else:
            err = expect_error({name for name, ok in checks.items() if not ok}, call)
            ledger.seen[f"refused {err.argument}"] += 1
        ledger.check_counts()

    example()
    assert min(ledger.seen["stored"] / 3, ledger.seen["stored unusual"]) >= 10, ledger.seen
    assert {f"refused {name}" for name in REMEMBER} <= set(ledger.seen), ledger.seen
    ledger.check_all()


def test_remember_many_is_all_or_nothing(ledger: Ledger) -> None:
    good, spoiled = calls(ITEM, most=0), calls(ITEM, least=1)
    batches = st.one_of(
        st.lists(good, max_size=4),
        st.lists(st.one_of(good, good, spoiled), min_size=1, max_size=4),
        not_strings,
        good_texts,
    )

    @settings(BASE, max_examples=60)
    @given(batch=batches)
    def example(batch: object) -> None:
        before = ledger.mem.count()
        if not isinstance(batch, list):
            expect_error({"interactions"}, ledger.mem.remember_many, batch)
            ledger.seen["refused"] += 1
        elif not all(isinstance(i, dict) for i in batch):
            invalid = {f"interactions[{i}]" for i in range(len(batch))}
            expect_error(invalid, ledger.mem.remember_many, batch)
            ledger.seen["refused"] += 1
        elif all(
            text_ok(i["context"]) and text_ok(i["response"]) and id_ok(i.get("user_id"))
            and as_json(i.get("metadata"))[0]
            for i in batch
        ):  # fmt: skip
            ids = ledger.mem.remember_many(batch)
            assert len(ids) == len(batch)
            for exp_id, item in zip(ids, batch, strict=True):
                ledger.add(exp_id, "default", item["context"], item["response"])
            ledger.seen[f"stored {len(ids)}"] += 1
        else:
            invalid = {f"interactions[{i}].{name}" for i in range(len(batch))
                       for name in ("context", "response", "user_id", "metadata")}  # fmt: skip
            err = expect_error(invalid, ledger.mem.remember_many, batch)
            assert ledger.mem.count() == before, err
            ledger.seen["refused an item"] += 1
        ledger.check_counts()

    example()
    assert {"stored 0", "stored 4", "refused", "refused an item"} <= set(ledger.seen)
    ledger.check_all()


# -- feedback ---------------------------------------------------------------------------------

rewards = st.one_of(
    st.floats(),  # NaN, +-inf, out of range and in range
    st.floats(min_value=-1.0, max_value=1.0),
    st.integers(),
    st.sampled_from([-1, 0, 1, 10**400, -(10**400)]),
    st.booleans(),
    st.none(),
    st.text(max_size=4),
    st.binary(max_size=4),
    st.lists(st.floats(), max_size=2),
)


def test_feedback_any_reward_and_target(ledger: Ledger) -> None:
    experiences, recall_id = _seed(ledger)
    known = st.sampled_from([*experiences, recall_id, recall_id])
    unknown = good_ids.filter(lambda s: s is not None and not s.startswith(("exp_", "rec_")))
    fields: Fields = {
        "target": (st.one_of(known, known, known, unknown), st.one_of(st.none(), bad_ids)),
        "reward": (good_rewards, bad_rewards),
    }

    @settings(BASE, max_examples=150)
    @given(args=calls(fields))
    def example(args: dict[str, Any]) -> None:
        target, reward = args["target"], args["reward"]
        before = ledger.totals()

        def call() -> Feedback:
            return ledger.mem.feedback(target, reward)

        if target is None:
            expect_error({"target/run_id/session_id"}, call)
        elif not reward_ok(reward) or not id_ok(target, required=True):
            invalid = {"reward"} if not reward_ok(reward) else set()
            err = expect_error(invalid | ({"target"} if not id_ok(target, True) else set()), call)
            ledger.seen[f"refused {err.argument}"] += 1
        elif target not in experiences and target != recall_id:
            with pytest.raises(UnknownTargetError) as unknown:
                call()
            assert unknown.value.argument == "target"
            assert str(unknown.value).startswith("target: expected the id of")
            ledger.seen["unknown"] += 1
        else:
            fb = call()
            assert fb.reward == float(reward)
            assert fb.target_id == target
            after = ledger.totals()
            if fb.target_kind == "experience":
                assert after[0] == pytest.approx(before[0] + 1.0)
            else:  # the recall's credit goes to what it served
                assert after[1] > before[1]
            ledger.seen[f"rated {fb.target_kind}"] += 1
            return
        assert ledger.totals() == before  # a refused feedback changes nothing

    example()
    assert set(ledger.seen) == {"rated experience", "rated recall", "unknown", "refused reward",
                                "refused target"}, ledger.seen  # fmt: skip
    ledger.check_all()


# -- recall and assess ------------------------------------------------------------------------


def test_recall_and_assess_any_input(ledger: Ledger) -> None:
    _seed(ledger)
    fields: Fields = {
        "query": (good_texts, bad_texts),
        "response": (good_texts, bad_texts),
        "k": (good_ks, bad_ks),
        "user_id": (good_ids, bad_ids),
        "session_id": (good_ids, bad_ids),
    }

    @settings(BASE, max_examples=120)
    @given(args=calls(fields))
    def example(args: dict[str, Any]) -> None:
        query, response, k = args["query"], args["response"], args["k"]
        user_id, session_id = args["user_id"], args["session_id"]
        k_ok = isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= 1000
        checks = {"query": text_ok(query), "k": k_ok, "user_id": id_ok(user_id),
                  "session_id": id_ok(session_id)}  # fmt: skip

        def recall() -> Recall:
            return ledger.mem.recall(query, k=k, user_id=user_id, session_id=session_id)

        if all(checks.values()):
            found = recall()
            assert 0 < len(found.items) <= k
            assert {i.id for i in found.items if i.kind == "experience"} <= set(ledger.ids())
            assert (found.query, found.user_id, found.session_id) == (query, user_id, session_id)
            assert ledger.mem.feedback(found.id, reward=0.0).target_kind == "recall"
            ledger.seen["recalled"] += 1
        else:
            err = expect_error({name for name, ok in checks.items() if not ok}, recall)
            ledger.seen[f"recall refused {err.argument}"] += 1
        checks = {"context": text_ok(query), "response": text_ok(response), "k": k_ok}

        def assess() -> Assessment:
            return ledger.mem.assess(query, response, k=k)

        if all(checks.values()):
            found_a = assess()
            assert -1.0 <= found_a.expected_reward <= 1.0
            assert 0.0 <= found_a.confidence <= 1.0
            assert {b.id for b in found_a.basis} <= set(ledger.ids())
            ledger.seen["assessed"] += 1
        else:
            err = expect_error({name for name, ok in checks.items() if not ok}, assess)
            ledger.seen[f"assess refused {err.argument}"] += 1
        ledger.check_counts()

    example()
    assert min(ledger.seen["recalled"], ledger.seen["assessed"]) >= 30, ledger.seen
    assert {f"recall refused {name}" for name in ("query", "k", "user_id", "session_id")} | {
        f"assess refused {name}" for name in ("context", "response", "k")
    } <= set(ledger.seen)
    ledger.check_all()


# -- ids the memory does not hold -------------------------------------------------------------


def test_unknown_ids_are_refused_and_change_nothing(ledger: Ledger) -> None:
    experiences, recall_id = _seed(ledger)
    elsewhere = ledger.mem.remember("other tenant", "other answer", namespace="other")
    ledger.add(elsewhere, "other", "other tenant", "other answer")
    other_recall = ledger.mem.recall("other tenant", namespace="other").id
    unknown = st.one_of(
        st.text(min_size=1, max_size=40).filter(lambda s: id_ok(s, True) and s != "seed"),
        st.sampled_from([*MIXED, "a\x00b", "x' OR '1'='1", "%", "_", "*", elsewhere,
                         other_recall, experiences[0].upper(), recall_id + "x"]),
    )  # fmt: skip

    @settings(BASE, max_examples=80)
    @given(bad=unknown)
    def example(bad: str) -> None:
        before = ledger.totals()
        assert ledger.mem.get(bad) is None
        for argument, call in (
            ("target", lambda: ledger.mem.feedback(bad, 1.0)),
            ("run_id", lambda: ledger.mem.feedback(run_id=bad, reward=1.0)),
            ("recall_id", lambda: ledger.mem.link_run("run-1", recall_id=bad)),
            ("experience_id", lambda: ledger.mem.link_run("run-1", experience_id=bad)),
            ("recall_id", lambda: ledger.mem.remember("c", "r", recall_id=bad)),
        ):
            with pytest.raises(UnknownTargetError) as err:
                call()
            assert err.value.argument == argument
            assert str(err.value).startswith(f"{argument}: expected the id of")
        report = ledger.mem.forget(user_id=bad)
        assert (report.experiences, report.recalls, report.feedback) == (0, 0, 0)
        assert ledger.totals() == before
        ledger.check_counts()
        ledger.seen["unknown"] += 1

    example()
    assert ledger.seen["unknown"] >= 50
    ledger.check_all()


# -- erased users ------------------------------------------------------------------------------

user_ids = st.one_of(
    st.text(min_size=1, max_size=30).filter(lambda s: id_ok(s, True) and s != "someone"),
    st.sampled_from([*MIXED[:3], "a\x00b", "\x00", "%", "x' OR '1'='1", "x" * MB]),
)


def test_feedback_after_the_user_was_forgotten(ledger: Ledger) -> None:
    _seed(ledger)
    cases = iter(range(1_000_000))

    @settings(BASE, max_examples=25)
    @given(user=user_ids)
    def example(user: str) -> None:
        ns = f"case-{next(cases)}"  # each example in a namespace of its own
        mem = ledger.mem
        mine = [mem.remember(f"question {i} of {user}", f"answer {i}", user_id=user,
                             session_id="s", namespace=ns) for i in range(2)]  # fmt: skip
        other = mem.remember("question of someone else", "their answer", user_id="someone",
                             namespace=ns)  # fmt: skip
        ledger.add(other, ns, "question of someone else", "their answer")
        asked = mem.recall(f"question 0 of {user}", k=5, user_id=user, namespace=ns)
        mem.link_run("run-of-user", recall_id=asked.id, namespace=ns)
        theirs = mem.recall("question of someone else", k=5, user_id="someone", namespace=ns)
        assert set(mine) <= {i.id for i in theirs.items}  # the other user was served mine
        assert mem.feedback(asked.id, 1.0, namespace=ns).user_id == user

        report = mem.forget(user_id=user, namespace=ns)
        assert (report.experiences, report.recalls) == (2, 1)
        for target in (asked.id, *mine):
            with pytest.raises(UnknownTargetError, match="^target: expected the id of"):
                mem.feedback(target, -1.0, namespace=ns)
        with pytest.raises(UnknownTargetError, match="^run_id: expected the id of"):
            mem.feedback(run_id="run-of-user", reward=1.0, namespace=ns)
        # the other user's recall still takes feedback; it credits only what still exists
        fb = mem.feedback(theirs.id, 1.0, namespace=ns)
        assert fb.target_kind == "recall"
        assert all(mem.get(e, namespace=ns) is None for e in mine)
        assert mem.count(namespace=ns) == 1
        stored = mem.get(other, namespace=ns)
        assert stored is not None
        assert stored.usage.n > 0
        again = mem.recall(f"question 0 of {user}", k=10, namespace=ns)
        assert [i.id for i in again.items] == [other]
        ledger.check_counts()
        ledger.seen["forgotten"] += 1

    example()
    assert ledger.seen["forgotten"] >= 20
    ledger.check_all()


# -- wrong types everywhere -------------------------------------------------------------------

VERBS: list[tuple[str, Callable[[AbstractionMemory, Any], object], bool]] = [
    # (the argument named in the error, the call, whether None is a valid value)
    ("context", lambda m, v: m.remember(v, "r"), False),
    ("response", lambda m, v: m.remember("c", v), False),
    ("recall_id", lambda m, v: m.remember("c", "r", recall_id=v), True),
    ("run_id", lambda m, v: m.remember("c", "r", run_id=v), True),
    ("query", lambda m, v: m.recall(v), False),
    ("k", lambda m, v: m.recall("q", k=v), False),
    ("namespace", lambda m, v: m.recall("q", namespace=v), True),
    ("context", lambda m, v: m.assess(v, "r"), False),
    ("k", lambda m, v: m.assess("c", "r", k=v), False),
    ("target", lambda m, v: m.feedback(v, 1.0), False),
    ("user_id", lambda m, v: m.forget(user_id=v), False),
    ("session_id", lambda m, v: m.forget(session_id=v), False),
    ("experience_id", lambda m, v: m.get(v), False),
    ("namespace", lambda m, v: m.count(namespace=v), True),
    ("episodes", lambda m, v: m.count(episodes=v), False),
    ("retrain", lambda m, v: m.consolidate(retrain=v), False),
    ("namespace", lambda m, v: m.consolidate(namespace=v), True),
    ("run_id", lambda m, v: m.link_run(v, recall_id="rec_x"), False),
    ("interactions", lambda m, v: m.remember_many(v), False),
    ("config", lambda m, v: m.evaluate_policy(v), True),
]


def test_wrong_types_are_named(ledger: Ledger) -> None:
    _seed(ledger)
    wrong = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.binary(max_size=4),
        st.builds(object), st.lists(st.integers(), max_size=2), st.tuples(st.text(max_size=2)),
    )  # fmt: skip

    @settings(BASE, max_examples=120)
    @given(verb=st.sampled_from(VERBS), value=wrong)
    def example(verb: tuple[str, Callable[[AbstractionMemory, Any], object], bool],
                value: object) -> None:  # fmt: skip
        argument, call, none_ok = verb
        named = {argument}
        if value is None:
            if none_ok:
                return
            # forget and feedback need one of their targets
            pair = {"user_id": "user_id/session_id", "session_id": "user_id/session_id",
                    "target": "target/run_id/session_id"}  # fmt: skip
            named = {pair.get(argument, argument)}
        elif (argument == "k" and type(value) is int and 1 <= value <= 1000) or (
            argument in ("episodes", "retrain") and isinstance(value, bool)
        ):
            return  # a right value
        elif argument == "interactions" and isinstance(value, list | tuple):
            if not value:
                assert ledger.mem.remember_many(value) == []
                return
            named = {"interactions[0]"}
        before = ledger.totals()
        err = expect_error(named, call, ledger.mem, value)
        assert ledger.totals() == before
        ledger.check_counts()
        ledger.seen[err.argument] += 1

    example()
    assert {name for name, _, _ in VERBS} <= set(ledger.seen), ledger.seen
    ledger.check_all()


def test_wrong_parts_at_open(tmp_path: Path, tiny: TinyEmbedder) -> None:
    """Built parts of the wrong kind are refused by name, before anything is served."""
    folder = tmp_path / "parts"
    for option in ("embedder", "ranker", "index_params", "assessor", "consolidation", "writer"):
        for value in ("text", 3, b"x", object()):
            options: dict[str, Any] = {"embedder": tiny, option: value}
            expect_error({option}, AbstractionMemory.open, folder, **options)
    for path in (None, 3, b"bytes", "", "bad\x00name", str(tmp_path / "\ud800")):
        expect_error({"path"}, AbstractionMemory.open, path, embedder=tiny)
    with AbstractionMemory.open(folder, embedder=tiny) as mem:
        assert mem.count() == 0
    assert integrity(folder) == "ok"
