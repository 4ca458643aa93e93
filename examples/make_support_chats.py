"""Write examples/support_chats.jsonl: 300 made-up support chats (seeded) for the command tour.

Five intents, each with a response that works and one or two that do not; about 78% of the
rows carry a reward (+1 when the response works, -1 when not). Run:
``python examples/make_support_chats.py``.
"""

import json
import random
from pathlib import Path

rng = random.Random(7)
INTENTS = [
    (
        ["I lost my card", "can't find my card anywhere", "my card is missing"],
        "I blocked your card and ordered a new one",
        ["Please read our help pages"],
    ),
    (
        ["my card was stolen", "someone took my wallet with my card", "card stolen last night"],
        "I blocked your card and ordered a new one",
        ["Please read our help pages", "Call us during office hours"],
    ),
    (
        ["How do I reset my PIN?", "forgot my PIN", "need a new PIN for my card"],
        "Go to Cards > Reset PIN in the app",
        ["Call us during office hours"],
    ),
    (
        ["where is my refund?", "refund not received yet", "when do I get my money back"],
        "Refunds reach your account within 5 working days; here is its status",
        ["Please read our help pages"],
    ),
    (
        ["how do I change my address", "I moved, update my address", "new home address"],
        "Go to Profile > Address in the app and confirm by SMS",
        ["Send us a letter with your new address"],
    ),
]
rows: list[dict[str, object]] = []
for i in range(300):
    phrasings, good, bads = INTENTS[rng.randrange(len(INTENTS))]
    ok = rng.random() < 0.55
    row: dict[str, object] = {
        "context": rng.choice(phrasings),
        "response": good if ok else rng.choice(bads),
        "user_id": f"user-{rng.randrange(25)}",
        "session_id": f"s-{i // 3}",
    }
    if rng.random() < 0.78:
        row["reward"] = 1.0 if ok else -1.0
    rows.append(row)
with open(Path(__file__).with_name("support_chats.jsonl"), "w", encoding="utf-8") as out:
    for row in rows:
        out.write(json.dumps(row) + "\n")
