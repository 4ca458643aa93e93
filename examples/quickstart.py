"""absmem quickstart: an agent that gets better from feedback, with no LLM and no network.

A simulated support agent answers a few hundred requests of its own making. For each request it
recalls what worked before, follows that advice when memory has some, and otherwise picks a way
of responding at random. A simulated user rates each answer (+1 / -1). The memory is then closed,
reopened from disk, and asked again.

Run:
    python examples/quickstart.py [FOLDER]    # default: ./absmem-quickstart
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

from absmem import AbstractionMemory

TOPICS = {
    "reset my card pin": "walk",
    "dispute a charge on my statement": "ask",
    "my package has not arrived": "ask",
    "change the address on my account": "walk",
    "what time does the branch open": "short",
    "cancel my subscription": "walk",
    "why was my transfer declined": "ask",
    "what is the fee for international payments": "short",
    "set up two-factor authentication": "walk",
    "I was charged twice for one order": "ask",
    "what is my current interest rate": "short",
    "turn on travel notifications for my card": "walk",
}
"""Each request topic and the way of responding that actually works for it (hidden from memory)."""

PHRASINGS = ["how do I {t}?", "can you help me {t}", "I need to {t}, please", "{t}",
             "hi, quick one: {t}", "I'd like to {t} today"]  # fmt: skip
STYLES = {
    "walk": "Here are the steps to {t}: 1) open the app, 2) go to Settings, 3) confirm.",
    "ask": "Before I help with that ({t}), could you tell me the date and the amount involved?",
    "short": "Short answer about '{t}': it's listed on the pricing page under Accounts.",
}
MARKER = ".absmem-quickstart"


def style_of(response: str) -> str:
    """Recover which way of responding a stored response used."""
    for style, template in STYLES.items():
        if response.startswith(template.split("{t}")[0]):
            return style
    raise ValueError(response)


def serve(mem: AbstractionMemory, rng: random.Random, step: int) -> tuple[bool, bool]:
    """One request: recall, respond, remember, get rated. Returns (followed memory, success)."""
    topic = rng.choice(list(TOPICS))
    request = rng.choice(PHRASINGS).format(t=topic)
    user = f"user-{rng.randrange(40)}"
    recall = mem.recall(request, k=3, user_id=user, session_id=f"s-{step}")
    advice = [item for item in recall.items if item.advice and (item.similarity or 0) > 0.6]
    style = style_of(advice[0].advice or "") if advice else rng.choice(list(STYLES))
    response = STYLES[style].format(t=topic)
    mem.remember(request, response, recall_id=recall.id, user_id=user, session_id=f"s-{step}")
    success = rng.random() < (0.9 if style == TOPICS[topic] else 0.15)
    mem.feedback(recall.id, reward=1.0 if success else -1.0)
    return bool(advice), success


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default="absmem-quickstart")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    folder = Path(args.folder)
    if folder.exists():
        if not (folder / MARKER).exists():
            parser.error(f"{folder} exists and was not made by this quickstart; pick another")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("made by examples/quickstart.py\n")
    rng = random.Random(args.seed)

    print(f"absmem quickstart: {args.steps} requests, memory in {folder}/")
    with AbstractionMemory.open(folder) as mem:
        block, rates = 100, []
        outcomes = [serve(mem, rng, step) for step in range(args.steps)]
        for start in range(0, args.steps, block):
            part = outcomes[start : start + block]
            followed = sum(f for f, _ in part) / len(part)
            success = sum(s for _, s in part) / len(part)
            rates.append(success)
            print(f"  requests {start + 1:>4}-{start + len(part):<4} success {success:5.0%}"
                  f"   followed memory's advice {followed:5.0%}")  # fmt: skip
        stored = mem.count()

    print(f"\nclosed; {stored} experiences on disk. Reopening...")
    question = "hello, how can I reset the PIN of my card?"
    with AbstractionMemory.open(folder) as mem:
        recall = mem.recall(question, k=3)
        print(f"\nrecall({question!r}) after reopening found {len(recall.items)} items:")
        print(recall.as_prompt())
        top = recall.items[0]
        print(f"\ntop item: score {top.score:.3f}, propensity {top.propensity:.2f}, "
              f"worked-so-far {top.utility:.2f}, advice style: "
              f"{style_of(top.advice) if top.advice else 'none'}")  # fmt: skip
    print(f"\nsuccess rate: first {block} requests {rates[0]:.0%}, last {block} {rates[-1]:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
