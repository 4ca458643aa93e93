"""The memory commands of ``absmem`` through the real entry point (``main``, ``python -m absmem``).

The commands that embed get a deterministic :class:`HashEmbedder` in place of MiniLM (the
``absmem.cli.make_embedder`` hook); the read-only ones build no embedder at all.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from absmem import AbstractionMemory, cli
from absmem.embed import HashEmbedder

COMMANDS = ("ingest", "recall", "assess", "feedback", "consolidate", "forget", "stats",
            "lessons", "explain", "export")  # fmt: skip
TOPICS = (
    ("I lost my card", "I blocked your card and ordered a new one", "Please read the help pages"),
    ("How do I reset my PIN?", "Go to Cards > Reset PIN", "Call us in office hours"),
)
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


@pytest.fixture(autouse=True)
def hash_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands build a hash embedder instead of loading all-MiniLM-L6-v2, and write plain
    text (captured streams are not terminals, whatever FORCE_COLOR says)."""
    monkeypatch.setattr(cli, "make_embedder", lambda name: HashEmbedder())
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


def _plain_env() -> dict[str, str]:
    """This process's environment, less what would make Rich treat a pipe as a terminal."""
    return {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}


def _rows(n: int = 24) -> list[dict[str, object]]:
    """``n`` interactions on two topics: the good response rated 1, the bad one -1."""
    out: list[dict[str, object]] = []
    for i in range(n):
        context, good, bad = TOPICS[i % 2]
        ok = i % 4 < 2
        out.append({"context": context, "response": good if ok else bad, "user_id": f"u{i % 3}",
                    "session_id": f"s{i % 6}", "reward": 1.0 if ok else -1.0})  # fmt: skip
    return out


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def learned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A memory of 24 rated interactions, consolidated (lessons learned), built once."""
    folder = tmp_path_factory.mktemp("learned") / "memory"
    with AbstractionMemory.open(folder, embedder=HashEmbedder()) as mem:
        rows = _rows()
        ids = mem.remember_many([{k: v for k, v in r.items() if k != "reward"} for r in rows])
        for experience_id, row in zip(ids, rows, strict=True):
            mem.feedback(experience_id, row["reward"])
        mem.consolidate()
    return folder


@pytest.fixture
def memory(learned: Path, tmp_path: Path) -> Path:
    """A private copy of :func:`learned` that a test may change."""
    return Path(shutil.copytree(learned, tmp_path / "memory"))


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# -- help and bad arguments ------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert f"Usage: absmem {command} [OPTIONS]" in out
    assert re.search(rf"Examples:\s*\n\s+absmem {command} ./my-memory", out)
    assert "--namespace" in out


def test_ingest_help_documents_the_file_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["ingest", "--help"]) == 0
    out = capsys.readouterr().out
    fields = ("context     required", "response    required", "user_id     optional",
              "session_id  optional", "metadata    optional", "reward      optional")  # fmt: skip
    for field in fields:
        assert field in out
    assert "a number in [-1, 1], given as feedback" in out
    assert "any other column is refused" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["recall", "m"], "QUERY: required, not given (the situation to recall for)"),
        (["recall", "m", "q", "-k", "0"], "-k: expected an integer in [1, 1000], got 0"),
        (["recall", "m", "q", "-k", "x"], "-k: expected an integer in [1, 1000], got 'x'"),
        (["feedback", "m", "id", "2"], "REWARD: expected a number in [-1, 1], got '2'"),
        (["feedback", "m", "id", "up"], "REWARD: expected a number in [-1, 1], got 'up'"),
        (["feedback", "m", "id", "nan"], "REWARD: expected a number in [-1, 1]"),
        (["forget", "m"], "--user-id/--session-id: give exactly one of --user-id ID, --session-id"),
        (["forget", "m", "--user-id", "a", "--session-id", "b"], "give exactly one of --user-id"),
        (["lessons", "m", "--limit", "-1"], "--limit: expected an integer >= 0, got -1"),
        (["ingest", "m", "f.txt", "--format", "xml"], "--format: invalid choice 'xml'"),
        (["ingest", "m", "f.csv", "--progress-every", "0"], "expected an integer >= 1, got 0"),
        (["recall", "m", "q", "--embedder", "bert"], "--embedder: invalid choice 'bert'"),
        (["assess", "m", "only context"], "RESPONSE: required, not given"),
        (["explain", "m"], "RECALL_ID: required, not given"),
        (["stats"], "PATH: required, not given"),
        (["stats", "m", "--limit", "3"], "no such option: --limit"),
    ],
)
def test_bad_arguments_exit_2_naming_the_argument(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(argv, capsys)
    assert status == 2
    assert out == ""
    assert err.startswith(f"absmem {argv[0]}: error: ")
    assert message in err
    assert f"fix: see `absmem {argv[0]} --help` for the arguments and examples" in err


@pytest.mark.parametrize(
    "argv",
    [["recall", "q"], ["assess", "c", "r"], ["feedback", "id", "1"], ["consolidate"],
     ["forget", "--user-id", "u"], ["stats"], ["lessons"], ["explain", "rec_1"],
     ["export", "--lessons", "l.jsonl"]],
)  # fmt: skip
def test_a_missing_memory_is_an_error_and_is_not_created(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none"
    status, out, err = _run([argv[0], str(missing), *argv[1:]], capsys)
    assert status == 2
    assert f"absmem {argv[0]}: error: PATH: expected a memory folder holding absmem.db" in err
    assert "fix: create a memory with `absmem ingest PATH FILE`" in err
    assert out == ""
    assert not missing.exists()


def test_an_unknown_namespace_is_refused(memory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(["stats", str(memory), "--namespace", "support"], capsys)
    assert status == 2
    assert "--namespace: expected a namespace this memory holds (it holds: 'default')" in err


# -- ingest ---------------------------------------------------------------------------------


def test_ingest_jsonl_stores_rows_and_their_feedback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _rows(10)
    rows[3]["metadata"] = {"channel": "chat"}
    del rows[4]["reward"]
    path = _jsonl(tmp_path / "chats.jsonl", rows)
    folder = tmp_path / "new-memory"
    status, out, err = _run(["ingest", str(folder), str(path), "--progress-every", "4"], capsys)
    assert status == 0
    assert out == (f"stored 10 interactions from {path} in namespace 'default', 9 with feedback; "
                   "the namespace now holds 10 experiences\n")  # fmt: skip
    assert "ingest: stored 4/10\ningest: stored 8/10\ningest: stored 10/10\n" in err
    assert "ingest: feedback 8/9\ningest: feedback 9/9\n" in err
    with AbstractionMemory.open(folder, embedder=HashEmbedder()) as mem:
        assert mem.count() == 10
    status, out, _ = _run(["stats", str(folder)], capsys)
    assert status == 0
    assert "experiences          10\n" in out
    assert "rated experiences    9\n" in out


def test_ingest_progress_is_a_rich_bar_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # Rich takes the captured streams for a terminal
    path = _jsonl(tmp_path / "chats.jsonl", _rows(10))
    status, out, err = _run(["ingest", str(tmp_path / "m"), str(path), "--progress-every", "4"],
                            capsys)  # fmt: skip
    assert status == 0
    assert "ingest: stored" in err
    assert "10/10" in err
    assert "ingest: feedback" in err
    assert "ingest: stored 4/10\n" not in err  # a bar, not a line per step
    assert out.startswith("stored 10 interactions")


def test_piped_output_is_plain_text(memory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["stats", str(memory)],
        ["lessons", str(memory)],
        ["recall", str(memory), "I lost my card"],
        ["stats", str(memory / "none")],
    ):
        _, out, err = _run(argv, capsys)
        assert "\x1b[" not in out + err
        assert all(line == line.rstrip() for line in out.splitlines())


def test_ingest_csv_with_metadata_and_blank_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "chats.csv"
    path.write_text(
        "context,response,user_id,metadata,reward\n"
        'I lost my card,I blocked it,u1,"{""channel"": ""chat""}",1\n'
        "pin?,Cards > Reset PIN,,,\n",
        encoding="utf-8",
    )
    status, out, _ = _run(["ingest", str(tmp_path / "m"), str(path), "--namespace", "bank"],
                          capsys)  # fmt: skip
    assert status == 0
    assert "stored 2 interactions" in out
    assert "namespace 'bank', 1 with feedback" in out
    status, out, _ = _run(["recall", str(tmp_path / "m"), "I lost my card", "--namespace", "bank"],
                          capsys)  # fmt: skip
    assert status == 0
    assert "I lost my card" in out


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.jsonl", '{"context": "a", "response": "b"}\n{"context": "a", "response": "b", '
         '"reward": 3}\n', "line 2: field 'reward': expected a finite number in [-1, 1], got 3"),
        ("a.jsonl", '{"context": "a", "response": "b"}\n\n{"context": "a"}\n',
         "line 3: field 'response': expected a non-empty string (the field is required)"),
        ("a.jsonl", '{"context": "a", "response": "b", "mood": 1}\n',
         "line 1: field 'mood': expected one of the fields context, response"),
        ("a.jsonl", "not json\n", "line 1: field '(line)': expected one JSON object"),
        ("a.jsonl", '{"context": "a", "response": "b", "metadata": [1]}\n',
         "line 1: field 'metadata': expected a dict with string keys"),
        ("a.jsonl", '{"context": "a", "response": "b", "user_id": 7}\n',
         "line 1: field 'user_id': expected a non-empty string id or None, got 7"),
        ("a.csv", "context,response,reward\na,b,1\nc,d,high\n",
         "line 3: field 'reward': expected a finite number in [-1, 1], got 'high'"),
        ("a.csv", "context,response,metadata\na,b,{oops\n",
         "line 2: field 'metadata': expected a JSON object, got '{oops'"),
        ("a.csv", "context,response\na,b,extra\n", "line 2: field '(row)': expected 2 cells"),
    ],
)  # fmt: skip
def test_a_bad_row_names_its_line_and_field_and_nothing_is_stored(
    name: str, text: str, message: str, memory: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    status, out, err = _run(["ingest", str(memory), str(path)], capsys)
    assert status == 2
    assert f"absmem ingest: error: FILE {path}: {message}" in err
    assert out == ""
    with AbstractionMemory.open(memory, embedder=HashEmbedder()) as mem:
        assert mem.count() == 24


def test_ingest_of_a_missing_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = _run(["ingest", str(tmp_path / "m"), str(tmp_path / "no.jsonl")], capsys)
    assert status == 2
    assert "FILE: expected an existing JSONL or CSV file" in err
    assert not (tmp_path / "m").exists()


# -- recall, feedback, explain ----------------------------------------------------------------


def test_recall_feedback_explain_round_trip(
    memory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _run(["recall", str(memory), "I lost my card", "-k", "3", "--user-id", "u9"],
                          capsys)  # fmt: skip
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["rank", "kind", "id", "score", "context", "/", "lesson",
                                "response", "/", "advice"]  # fmt: skip
    assert [line.split()[0] for line in lines[2:5]] == ["1", "2", "3"]
    assert lines[-1].startswith("recall id: rec_")
    recall_id = lines[-1].split()[2]

    status, out, _ = _run(["feedback", str(memory), recall_id, "0.5"], capsys)
    assert status == 0
    assert out.startswith("feedback id: fb_")
    assert f"(recall {recall_id}, reward +0.50)" in out

    status, out, _ = _run(["explain", str(memory), recall_id], capsys)
    assert status == 0
    assert f"recall {recall_id} at " in out
    assert "(user u9)" in out
    assert "query: I lost my card" in out
    assert "candidates ranked" in out
    assert "rank  kind" in out
    assert "propensity" in out
    assert "feedback: 1 came back" in out
    assert [line.split()[-3:] for line in out.splitlines() if recall_id in line][-1] == [
        "recall", recall_id, "+0.50"]  # fmt: skip


def test_explain_without_feedback_says_so(memory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(["recall", str(memory), "How do I reset my PIN?"], capsys)
    recall_id = out.splitlines()[-1].split()[2]
    status, out, _ = _run(["explain", str(memory), recall_id], capsys)
    assert status == 0
    assert "feedback: none yet" in out


def test_explain_shows_feedback_on_the_informed_turn_and_its_session(
    memory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with AbstractionMemory.open(memory, embedder=HashEmbedder()) as mem:
        recall = mem.recall("I lost my card", session_id="chat-1")
        turn = mem.remember("I lost my card", "I blocked it.", recall_id=recall.id,
                            session_id="chat-1")  # fmt: skip
        mem.feedback(turn, -1.0)
    status, out, _ = _run(["feedback", str(memory), "chat-1", "1", "--session"], capsys)
    assert (status, "(session chat-1, reward +1.00)" in out) == (0, True)
    status, out, _ = _run(["explain", str(memory), recall.id], capsys)
    assert status == 0
    assert "feedback: 3 came back" in out  # the turn's, the session's and its share here
    rows = [line.split()[-3:] for line in out.splitlines()
            if turn in line or "chat-1" in line or recall.id in line]  # fmt: skip
    assert ["experience", turn, "-1.00"] in rows
    assert ["session", "chat-1", "+1.00"] in rows
    assert ["session_recall", recall.id, "+1.00"] in rows
    status, _, err = _run(["feedback", str(memory), "chat-1", "1", "--session", "--run"], capsys)
    assert status == 2
    assert "--session/--run" in err
    status, _, err = _run(["feedback", str(memory), "chat-9", "1", "--session"], capsys)
    assert status == 1
    assert "session_id" in err


@pytest.mark.parametrize("command", ["feedback", "explain"])
def test_an_unknown_id_exits_1_with_the_library_message(
    command: str, memory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["1"] if command == "feedback" else []
    status, out, err = _run([command, str(memory), "rec_nope", *extra], capsys)
    assert status == 1
    assert out == ""
    target = "TARGET" if command == "feedback" else "RECALL_ID"
    assert f"absmem {command}: error: {target}: expected the id of a" in err
    assert "stored in namespace 'default', got unknown id 'rec_nope'" in err


def test_feedback_on_an_experience(memory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with AbstractionMemory.open(memory, embedder=HashEmbedder()) as mem:
        experience_id = mem.remember("new case", "new answer")
    status, out, _ = _run(["feedback", str(memory), experience_id, "-1"], capsys)
    assert status == 0
    assert f"(experience {experience_id}, reward -1.00)" in out


# -- assess, consolidate, lessons -------------------------------------------------------------


def test_assess_prints_the_expected_reward_and_its_evidence(
    memory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = TOPICS[0][1]
    status, out, _ = _run(["assess", str(memory), "I lost my card", good], capsys)
    assert status == 0
    first = out.splitlines()[0]
    assert first.startswith("expected reward: +")
    assert "confidence" in first
    assert "prior" in first
    assert out.splitlines()[1].split() == ["evidence:", "experience", "weight", "context", "sim",
                                           "response", "sim", "success", "feedback"]  # fmt: skip
    assert "lighter experiences also weighed" in out


def test_consolidate_prints_the_report(memory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["consolidate", str(memory), "--no-retrain"], capsys)
    assert status == 0
    fields = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:]}
    assert fields["namespace"] == ["default"]
    assert fields["experiences"] == ["24"]
    assert fields["trained"][0] in ("True", "False")
    assert int(fields["abstractions"][0]) >= 1
    assert fields["seconds"][0] == "extract"


def test_lessons_lists_advice_and_avoid(learned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["lessons", str(learned), "--limit", "1"], capsys)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["#", "id", "level", "support", "feedback", "utility", "advice",
                                "avoid"]  # fmt: skip
    assert lines[2].startswith("1  abs_")
    assert "more: --limit 0 shows all" in lines[-1]
    _, out, _ = _run(["lessons", str(learned), "--limit", "0"], capsys)
    assert any(good[:20] in out for _, good, _ in TOPICS)
    assert any(bad[:20] in out for _, _, bad in TOPICS)


def test_lessons_before_consolidation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    AbstractionMemory.open(tmp_path / "m", embedder=HashEmbedder()).close()
    status, out, _ = _run(["lessons", str(tmp_path / "m")], capsys)
    assert status == 0
    assert out == "no lessons yet in namespace 'default': run `absmem consolidate PATH`\n"


# -- forget, stats, export --------------------------------------------------------------------


def test_forget_a_user_then_stats(memory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["forget", str(memory), "--user-id", "u1"], capsys)
    assert status == 0
    assert (
        out == "erased user 'u1' from namespace 'default': 8 experiences, 0 recalls, 8 feedback\n"
    )
    _, out, _ = _run(["forget", str(memory), "--session-id", "s0"], capsys)
    assert out.startswith("erased session 's0' from namespace 'default': 4 experiences")
    status, out, _ = _run(["stats", str(memory)], capsys)
    assert status == 0
    assert "experiences          12\n" in out
    assert re.search(r"namespace  experiences\n─+\ndefault    12\n", out)


def test_stats_of_the_learned_memory(learned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["stats", str(learned)], capsys)
    assert status == 0
    assert "rated experiences    24\n" in out
    assert "mean reward (rated)  +0.000\n" in out
    assert " served, 0 retired)" in out


def test_export_lessons_and_graph(
    learned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lessons, graph = tmp_path / "out" / "lessons.jsonl", tmp_path / "out" / "memory.graphml"
    status, out, _ = _run(["export", str(learned), "--lessons", str(lessons), "--graph",
                           str(graph)], capsys)  # fmt: skip
    assert status == 0
    rows = [json.loads(line) for line in lessons.read_text(encoding="utf-8").splitlines()]
    assert f"wrote {lessons}: {len(rows)} lessons\n" in out
    assert rows
    assert set(rows[0]) >= {"id", "lesson", "support", "utility", "advice", "avoid"}
    root = ET.parse(graph).getroot()
    nodes = root.findall(f"{GRAPHML}graph/{GRAPHML}node")
    edges = root.findall(f"{GRAPHML}graph/{GRAPHML}edge")
    assert f"wrote {graph}: {len(nodes)} nodes, {len(edges)} edges\n" in out
    kinds = [n.find(f"{GRAPHML}data[@key='kind']").text for n in nodes]  # type: ignore[union-attr]
    assert kinds.count("experience") == 24
    assert kinds.count("lesson") == len(rows)
    types = {e.find(f"{GRAPHML}data[@key='type']").text for e in edges}  # type: ignore[union-attr]
    assert "member_of" in types
    texts = {d.text for d in root.iter(f"{GRAPHML}data") if d.get("key") == "context"}
    assert "I lost my card" in texts


def test_export_needs_a_target(learned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(["export", str(learned)], capsys)
    assert status == 2
    assert "absmem export: error: --lessons/--graph: expected at least one of --lessons FILE" in err


# -- python -m absmem -------------------------------------------------------------------------


def test_read_commands_through_python_dash_m(learned: Path) -> None:
    for argv, expected, code in (
        (["stats", str(learned)], "rated experiences    24", 0),
        (["lessons", str(learned), "--limit", "2"], "support  feedback  utility", 0),
        (["stats", str(learned.parent / "none")], "PATH: expected a memory folder", 2),
        (["recall", str(learned), "q", "-k", "0"], "-k: expected an integer in [1, 1000]", 2),
        (["recall", "--help"], "absmem recall ./my-memory", 0),
    ):
        done = subprocess.run([sys.executable, "-m", "absmem", *argv], capture_output=True,
                              text=True, timeout=120, check=False, env=_plain_env())  # fmt: skip
        assert expected in done.stdout + done.stderr, done.stderr
        assert done.returncode == code
