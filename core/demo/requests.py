"""The demo world's requests: the project's own, written for it, in six domains.

Each domain has intents; each intent a few phrasings of a user's request. Nothing here comes from
a third-party data set, so ``absmem demo`` runs on any machine.

Example:
    >>> from absmem.demo.requests import DOMAINS, all_requests
    >>> len(DOMAINS), len(all_requests())
    (6, 120)
"""

from __future__ import annotations

__all__ = ["DOMAINS", "all_requests"]

DOMAINS: dict[str, dict[str, list[str]]] = {
    "banking": {
        "reset_pin": [
            "how do I reset my card pin",
            "I forgot the PIN of my debit card",
            "can you help me change my card pin",
            "my pin is blocked, what now",
            "reset the pin on my credit card please",
        ],
        "lost_card": [
            "I lost my card",
            "my card was stolen yesterday",
            "how do I freeze my card, I can't find it",
            "I think someone took my card",
            "please block my missing card",
        ],
        "transfer_limit": [
            "what is my daily transfer limit",
            "how much can I send abroad per day",
            "raise my transfer limit",
            "why is my transfer limited to 1000",
            "can I move more money than my limit today",
        ],
        "statement": [
            "where do I find my monthly statement",
            "download my bank statement for May",
            "I need a statement for my landlord",
            "send me last year's statements",
            "how far back do statements go",
        ],
    },
    "travel": {
        "change_flight": [
            "can I change my flight to tomorrow",
            "move my booking to an earlier flight",
            "I need to rebook my flight",
            "is it possible to switch flight dates",
            "change the return flight of my trip",
        ],
        "baggage": [
            "how many bags can I check",
            "what is the carry-on size limit",
            "my suitcase did not arrive",
            "can I bring skis on the plane",
            "how much does an extra bag cost",
        ],
        "visa": [
            "do I need a visa for Japan",
            "what documents do I need to travel to Canada",
            "how long does a tourist visa take",
            "can I enter Brazil with my ID card",
            "is my passport valid enough for this trip",
        ],
        "hotel_cancel": [
            "cancel my hotel reservation",
            "can I get a refund for my hotel booking",
            "I need to cancel the room for next week",
            "what is the hotel's cancel policy",
            "drop the second night of my hotel stay",
        ],
    },
    "tech_support": {
        "wifi": [
            "my wifi keeps disconnecting",
            "the internet is very slow today",
            "I can't connect my laptop to the wifi",
            "router lights are blinking red",
            "wifi works on my phone but not my computer",
        ],
        "password": [
            "I forgot my account password",
            "how do I reset my password",
            "my password doesn't work anymore",
            "I'm locked out of my account",
            "change the password of my email",
        ],
        "printer": [
            "my printer won't print",
            "the printer says paper jam but there is none",
            "how do I connect the printer to wifi",
            "prints come out blank",
            "install drivers for my new printer",
        ],
        "update": [
            "should I install the latest update",
            "the update failed halfway",
            "my computer restarts to update every night",
            "how do I turn off auto updates",
            "the app crashes since the update",
        ],
    },
    "shopping": {
        "order_status": [
            "where is my order",
            "my package hasn't arrived yet",
            "track my delivery please",
            "when will my order ship",
            "the tracking number doesn't work",
        ],
        "return_item": [
            "how do I return these shoes",
            "I want to send back a damaged item",
            "start a return for my order",
            "can I return an item bought on sale",
            "the jacket doesn't fit, can I exchange it",
        ],
        "double_charge": [
            "I was charged twice for one order",
            "why do I see two payments",
            "refund the duplicate charge please",
            "my card was billed double",
            "there's an extra charge on my account from your shop",
        ],
        "discount": [
            "does my discount code still work",
            "the promo code was rejected",
            "are there any sales this week",
            "can I use two coupons together",
            "apply my student discount please",
        ],
    },
    "health": {
        "appointment": [
            "book a doctor's appointment",
            "I need to see a doctor this week",
            "can I move my appointment to Friday",
            "cancel my appointment tomorrow",
            "how do I schedule a checkup",
        ],
        "prescription": [
            "refill my prescription",
            "my medication is running out",
            "can the pharmacy renew my prescription",
            "how do I get my pills delivered",
            "is my prescription ready",
        ],
        "symptoms": [
            "I've had a headache for three days",
            "my child has a fever",
            "I feel dizzy when I stand up",
            "is this rash serious",
            "I have a sore throat and cough",
        ],
        "insurance": [
            "does my insurance cover physiotherapy",
            "how do I submit a claim",
            "my claim was rejected",
            "what is my deductible",
            "is this clinic in my network",
        ],
    },
    "home": {
        "leak": [
            "there is water leaking under my sink",
            "my ceiling has a wet spot",
            "the toilet keeps running",
            "water is dripping from the boiler",
            "the washing machine leaks",
        ],
        "heating": [
            "my heating doesn't turn on",
            "the radiators are cold",
            "how do I set the thermostat schedule",
            "the boiler shows an error code",
            "the house takes forever to warm up",
        ],
        "moving": [
            "I'm moving next month, what do I need to do",
            "transfer my contract to a new address",
            "how do I register my new address",
            "cancel services at my old flat",
            "book movers for Saturday",
        ],
        "noise": [
            "my neighbours are very loud at night",
            "how do I complain about noise",
            "there's construction noise every morning",
            "the dog next door barks all day",
            "what are the quiet hours in my building",
        ],
    },
}
"""domain -> intent -> phrasings."""


def all_requests() -> list[tuple[str, str, str]]:
    """Every ``(domain, intent, text)`` of the demo world."""
    return [
        (domain, intent, text)
        for domain, intents in DOMAINS.items()
        for intent, texts in intents.items()
        for text in texts
    ]
