"""Blameless lint: a warning (never a block) where the text names a person as the cause.

Reviews look for systemic causes; "Alice forgot to ..." stops at a person. The lint knows
the people warroom knows (usernames and display names of users, and configured people) and
flags a sentence where one of them is the subject of a blaming verb ("X caused", "X
forgot", "X should have"), owns a fault ("X's mistake"), or is the object of one ("because
of X", "X's fault"), and any "human error" or "blame". It reports the sentence and says
why; people may keep the text as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

BLAMING_VERBS = (
    r"caused|broke|forgot|failed to|did(?:n't| not)|neglected|ignored|missed|messed up|"
    r"screwed up|should(?:n't)? have|was careless|made (?:a|the) mistake|mistakenly|"
    r"accidentally|carelessly|overlooked|pushed a bad|deployed a bad|took down"
)
FAULT_NOUNS = r"mistake|fault|error|negligence|carelessness|blunder"
ALWAYS = re.compile(r"\b(human error|(?:to )?blame[sd]?)\b", re.IGNORECASE)
MIN_NAME = 3


@dataclass(frozen=True)
class Warning:
    section: str
    sentence: str
    person: str | None
    message: str


def _sentences(text: str) -> Iterable[str]:
    for part in re.split(r"(?<=[.!?])\s+|\n+", text):
        sentence = part.strip()
        if sentence:
            yield sentence


def _patterns(name: str) -> list[re.Pattern[str]]:
    n = re.escape(name)
    return [
        re.compile(rf"\b{n}\b\s+(?:\w+\s+)?(?:{BLAMING_VERBS})\b", re.IGNORECASE),
        re.compile(rf"\b{n}(?:'s|\u2019s)\s+(?:\w+\s+)?(?:{FAULT_NOUNS})\b", re.IGNORECASE),
        re.compile(rf"\b(?:because of|due to|fault of|blame on|caused by)\s+{n}\b", re.IGNORECASE),
    ]


def lint(sections: dict[str, str], people: Iterable[str]) -> list[Warning]:
    """Warnings for ``sections`` (name -> text); ``people`` are names and usernames."""
    names = sorted({p.strip() for p in people if len(p.strip()) >= MIN_NAME}, key=len, reverse=True)
    compiled = [(name, _patterns(name)) for name in names]
    found: list[Warning] = []
    for section, text in sections.items():
        for sentence in _sentences(text):
            warned = False
            for name, patterns in compiled:
                if any(p.search(sentence) for p in patterns):
                    found.append(
                        Warning(
                            section,
                            sentence,
                            name,
                            f"names {name} as the cause: describe what in the system or "
                            "process let this happen instead",
                        )
                    )
                    warned = True
                    break
            if not warned and ALWAYS.search(sentence):
                found.append(
                    Warning(
                        section,
                        sentence,
                        None,
                        '"human error" and blame end the inquiry too early: ask why the system '
                        "let the error through",
                    )
                )
    return found
