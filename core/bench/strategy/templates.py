"""The ways of responding of the strategy world, each with its own wordings.

Every approach has 12 differently worded response templates, written for this project, each with
one ``{topic}`` slot that the request fills in. The memory under test only ever sees the filled
text; which approach a text belongs to is never stored.

Example:
    >>> from absmem.bench.strategy.templates import APPROACH_TEMPLATES
    >>> sorted(APPROACH_TEMPLATES)[:3], min(len(t) for t in APPROACH_TEMPLATES.values())
    (['clarify', 'direct', 'empathy'], 12)
    >>> APPROACH_TEMPLATES["direct"][0].format(topic="your pin change")
    'Short answer on your pin change: it is done in one step, nothing else needed.'
"""

from __future__ import annotations

__all__ = ["APPROACH_TEMPLATES"]

APPROACH_TEMPLATES: dict[str, tuple[str, ...]] = {
    "clarify": (
        "Before I answer about {topic}, could you tell me a bit more about what you need?",
        "Quick question first about {topic}: which account or item do you mean exactly?",
        "I want to get {topic} right. Can you clarify what you are trying to do?",
        "To help with {topic}, I need one detail: what outcome are you hoping for?",
        "Could you say a little more about {topic}? I will tailor the answer to it.",
        "About {topic}: do you mean for today, or in general? Let me know and I will continue.",
        "Just checking before I go on with {topic}: is this for you or for someone else?",
        "Let me ask one thing first regarding {topic}: what have you already tried?",
        "So I understand {topic} correctly, which of the options applies to you?",
        "Can you confirm the details of {topic} for me before I answer?",
        "I have a clarifying question on {topic}: what exactly should happen next?",
        "Help me narrow down {topic}: is it urgent, or can it wait until later?",
    ),
    "steps": (
        "Here is how to handle {topic}, step by step: 1) open the menu, 2) pick the option, "
        "3) confirm.",
        "Step 1 for {topic}: open settings. Step 2: choose the right entry. Step 3: save.",
        "Follow these steps for {topic}: first select it, then review the details, finally "
        "confirm.",
        "For {topic}, do this in order: start the app, go to the section, and apply the change.",
        "1. Go to the main screen. 2. Find {topic}. 3. Follow the prompts until it is complete.",
        "Let's walk through {topic} together: first step, open it; second, check it; third, "
        "finish.",
        "The procedure for {topic} has three steps: locate it, adjust it, and confirm the result.",
        "To do {topic}: step one, sign in; step two, open the page; step three, submit.",
        "First, prepare what you need for {topic}. Next, enter the details. Last, save them.",
        "Instructions for {topic}: (a) open the tool, (b) select the item, (c) press continue.",
        "Do {topic} like this: begin at the home page, then go to options, then press done.",
        "A simple sequence works for {topic}: open, choose, confirm, and you are finished.",
    ),
    "direct": (
        "Short answer on {topic}: it is done in one step, nothing else needed.",
        "{topic}: yes, that is all set.",
        "The answer for {topic} is simple: it is ready now.",
        "Done. {topic} is taken care of.",
        "In brief, {topic} is available right now.",
        "{topic}? It is handled, no further action on your side.",
        "Quick reply about {topic}: everything is in order.",
        "Straight to the point on {topic}: it works as expected.",
        "Here is the answer for {topic}, in one line: all good.",
        "Bottom line on {topic}: it is sorted.",
        "To answer directly: {topic} is fine as it is.",
        "Simply put, {topic} is complete.",
    ),
    "example": (
        "Here is an example of {topic}: someone in your situation did exactly this and it worked.",
        "For instance, with {topic}, a typical case looks like this one.",
        "Let me show {topic} with an example: imagine you had done it yesterday.",
        "A concrete example of {topic}: last week a user tried the same and got this result.",
        "Picture this case of {topic}: you start from scratch and end with the result shown.",
        "To illustrate {topic}, here is a sample that you can copy and adapt.",
        "Take this example for {topic}: the usual way people handle it.",
        "Example first for {topic}: a worked case, then you can apply it to yours.",
        "Consider how {topic} went for a similar request: here is that case in full.",
        "One sample of {topic} to model yours on: see the case below.",
        "Think of {topic} like this example: same situation, same steps, same result.",
        "A real-world style example for {topic}, so you can see how it plays out.",
    ),
    "empathy": (
        "I'm sorry you're dealing with {topic}; that sounds frustrating. Let's sort it out.",
        "That must be stressful. I understand how much {topic} matters to you.",
        "I hear you, {topic} can be a real worry. I'm here to help.",
        "Thank you for your patience with {topic}. I know it's not easy.",
        "I completely understand your concern about {topic}. You're not alone in this.",
        "Sorry for the trouble with {topic}. Your feelings about it are valid.",
        "I can imagine {topic} is upsetting. Let's take care of it together.",
        "It's understandable to feel annoyed about {topic}. I appreciate you reaching out.",
        "That sounds like a hassle. I'm sorry {topic} has caused you worry.",
        "I really appreciate you telling me about {topic}. Let's make this better.",
        "Oh no, I'm sorry to hear about {topic}. I'll do my best for you.",
        "I know {topic} can feel overwhelming; take a breath, we'll handle it.",
    ),
    "handoff": (
        "I'll connect you with a specialist for {topic}; a person will take it from here.",
        "For {topic}, let me transfer you to a human agent who can help directly.",
        "A member of our team is better placed to handle {topic}. Passing you over now.",
        "I'm handing {topic} to a colleague; they will contact you shortly.",
        "This needs a human touch: I've escalated {topic} to our support staff.",
        "Let me put you through to someone who handles {topic} every day.",
        "I've opened a ticket for {topic}; a support person will reach out to you.",
        "Our specialists will take over {topic}. Please hold while I connect you.",
        "For {topic}, the best next step is a call with our team; I'm arranging it.",
        "I'm routing {topic} to a human expert. Expect a reply soon.",
        "A real person can settle {topic} faster. I'm transferring the conversation.",
        "I've asked a team member to handle {topic} personally; they'll be with you soon.",
    ),
}
"""Approach name -> its 12 response templates (each with one ``{topic}`` slot)."""
