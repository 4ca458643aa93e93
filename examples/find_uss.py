"""Ask the experience graph a relational question on real rated dialogues (USS, MultiWOZ).

Each system turn of a dialogue becomes an experience (the user's turn before it as the context,
the system's reply as the response), one session per dialogue, so the ``led_to`` edge of a turn
points at the user's next turn: the reply that response provoked. The 1-5 satisfaction rating
annotators gave that reply becomes the turn's feedback ((rating - 3) / 2). Then ``find`` asks:
which responses led to the user pushing back, and went badly?

Run (about ten minutes on 2 CPU cores with the bundled MiniLM; docs/find.md shows one run):

    python examples/find_uss.py --data ../shared/data --dialogues 1000 --folder /tmp/uss1000

Given a ``--folder`` that already holds the memory, it asks the questions again without
rebuilding it.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from absmem import AbstractionMemory, Chain
from absmem.bench.uss import load_uss, reward_of

QUESTIONS = [
    # (cause: what the system said or was asked, effect: the user's next turn, outcome)
    ("Sorry, there is nothing that matches your criteria.",
     "That is not what I asked for, I already told you.", "bad"),
    ("I have booked it for you, here is your reference number.",
     "Thank you, that is all I need.", "good"),
]  # fmt: skip


def _short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _act(chain: Chain) -> str:
    return str(chain.experience.metadata.get("act", ""))


def _show(chains: list[Chain]) -> None:
    print("| # | system response | user's next turn | reward | act | score |")
    print("|---|---|---|---|---|---|")
    for i, c in enumerate(chains, 1):
        turn = c.led_to.context if c.led_to is not None else ""
        reward = f"{c.reward:+.2f}" if c.reward is not None else "-"
        print(f"| {i} | {_short(c.experience.response)} | {_short(turn)} | {reward} "
              f"| {_act(c)} | {c.score:.2f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="folder holding uss/MWOZ.txt")
    parser.add_argument("--dialogues", type=int, default=1000)
    parser.add_argument("--folder", type=Path, default=None, help="memory folder (default: temp)")
    parser.add_argument("-k", type=int, default=8)
    args = parser.parse_args()
    dialogues = load_uss(args.data, corpora=("MWOZ",)).dialogues["MWOZ"][: args.dialogues]
    folder = args.folder or Path(tempfile.mkdtemp(prefix="absmem-uss-"))
    rewards = [reward_of(t.rating) for turns in dialogues for t in turns]
    reuse = (folder / "absmem.db").is_file()
    with AbstractionMemory.open(folder) as mem:
        if reuse:
            print(f"memory in {folder} reused ({mem.count()} experiences)")
        else:
            for d, turns in enumerate(dialogues):
                rows = [{"context": t.context, "response": t.response, "session_id": f"mwoz-{d}",
                         "metadata": {"act": t.action}} for t in turns]  # fmt: skip
                ids = mem.remember_many(rows)
                for experience_id, turn in zip(ids, turns, strict=True):
                    mem.feedback(experience_id, reward_of(turn.rating))
            report = mem.consolidate()
            print(f"{report.abstractions} lessons learned; memory in {folder}")
        print(f"{len(dialogues)} dialogues, {len(rewards)} rated system turns, "
              f"mean reward {np.mean(rewards):+.3f}\n")  # fmt: skip
        for cause, effect, outcome in QUESTIONS:
            chains = mem.find(cause=cause, effect=effect, outcome=outcome, k=args.k)
            print(f"find(cause={cause!r},\n     effect={effect!r}, outcome={outcome!r})\n")
            _show(chains)
            wide = mem.find(cause=cause, effect=effect, k=200)
            found = [c.reward for c in wide if c.reward is not None]
            top_acts = Counter(_act(c) or "(none)" for c in wide)
            print(f"\nwithout the outcome filter: {len(wide)} chains match both ends (at most "
                  f"200 shown), mean reward {np.mean(found) if found else float('nan'):+.3f} "
                  f"(all turns {np.mean(rewards):+.3f}); their acts: "
                  + ", ".join(f"{a} {n}" for a, n in top_acts.most_common(4)) + "\n")  # fmt: skip
            lessons = Counter(c.lesson for c in chains if c.lesson)
            for lesson, n in lessons.most_common(2):
                print(f"lesson behind {n} of them: {_short(lesson, 160)}")
            print()


if __name__ == "__main__":
    main()
