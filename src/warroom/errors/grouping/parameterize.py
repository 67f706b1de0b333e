"""Variable parts of messages replaced by placeholders before they are hashed.

"Error with order #1231" and "Error with order #1232" must group together, so both become
"Error with order #<int>". The kinds, tried in this order at each position (the first that
matches wins): email, url, hostname, ip, traceparent, uuid, sha1, md5, date, duration, hex,
git sha, float, int, and after ``=`` a quoted string or a boolean (``user='bob'`` →
``user=<quoted_str>``). A message keeps its first two non-empty lines; anything cut off
shows as ``...``.
"""

from __future__ import annotations

import re
from itertools import islice

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DAY = r"(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat)"
_LONG_DAY = (
    r"(?:Sun|Sunday|Mon|Monday|Tue|Tuesday|Wed|Wednesday|Thu|Thursday|Fri|Friday|Sat|Saturday)"
)
_ZONE = r"(?:UT|GMT|(?:E|C|M|P)(?:ST|DT)|[A-IK-Z])"
_OCTET = r"(?:25[0-5]|(?:2[0-4]|1?[0-9])?[0-9])"
_IPV4 = rf"(?:{_OCTET}\.){{3}}{_OCTET}"
_H = r"[0-9a-fA-F]{1,4}"
_TLDS = (
    "com|net|org|jp|de|uk|fr|br|it|ru|es|me|gov|pl|ca|au|cn|co|in|nl|edu|info|eu|ch|id|at|kr|"
    "cz|mx|be|tv|se|tr|tw|al|ua|ir|vn|cl|sk|ly|cc|to|no|fi|us|pt|dk|ar|hu|tk|gr|il|news|ro|my|"
    "biz|ie|za|nz|sg|ee|th|io|xyz|pe|bg|hk|rs|lt|link|ph|club|si|site|mobi|by|cat|wiki|la|ga|"
    "xxx|cf|hr|ng|jobs|online|kz|ug|gq|ae|is|lv|pro|fm|tips|ms|sa|app"
)

# Each kind is a named group; the alternation is tried left to right at every position.
_KINDS: tuple[tuple[str, str], ...] = (
    (
        "email",
        # Starting mid-run could only find what the run's start finds: skip those positions.
        r"(?<![a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-])[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9-]+"
        r"(?:\.[a-zA-Z0-9-]+)*",
    ),
    ("url", r"\b(?:wss?|https?|ftp)://[^\s/$.?#].[^\s]*"),
    ("hostname", rf"\b(?:[a-zA-Z0-9\-]{{1,63}}\.)+?(?:{_TLDS}|{_TLDS.upper()})\b"),
    (
        "ip",
        # IPv6 in its compressed forms (not inside identifiers like Foo::bar), or IPv4.
        rf"(?<![0-9a-zA-Z_])(?:(?:{_H}:){{7}}{_H}|(?:{_H}:){{1,7}}:|(?:{_H}:){{1,6}}:{_H}"
        rf"|(?:{_H}:){{1,5}}(?::{_H}){{1,2}}|(?:{_H}:){{1,4}}(?::{_H}){{1,3}}"
        rf"|(?:{_H}:){{1,3}}(?::{_H}){{1,4}}|(?:{_H}:){{1,2}}(?::{_H}){{1,5}}"
        rf"|{_H}:(?::{_H}){{1,6}}|:(?:(?::{_H}){{1,7}}|:)"
        rf"|fe80:(?::[0-9a-fA-F]{{0,4}}){{0,4}}%[0-9a-zA-Z]+"
        rf"|::(?:ffff(?::0{{1,4}})?:)?{_IPV4}|(?:{_H}:){{1,4}}:{_IPV4}\b)(?![0-9a-zA-Z])"
        rf"|\b{_IPV4}\b",
    ),
    ("traceparent", r"\b00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]\b|\b1-[0-9a-f]{8}-[0-9a-f]{24}\b"),
    ("uuid", r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    ("sha1", r"\b[0-9a-fA-F]{40}\b"),
    ("md5", r"\b[0-9a-fA-F]{32}\b"),
    (
        "date",
        # RFC 822/1123
        rf"{_DAY},\s\d{{1,2}}\s{_MONTH}\s\d{{2,4}}\s\d{{1,2}}:\d{{1,2}}(?::\d{{1,2}})?\s"
        rf"(?:[-+]\d{{2}}[0-5]\d|{_ZONE})"
        # "Mon Jan 02, 1999" / "Jan 02, 1999"
        rf"|(?:{_DAY}\s)?{_MONTH}\s[0-3]\d,\s\d{{2,4}}"
        # RFC 850
        rf"|{_LONG_DAY},\s\d{{2}}-{_MONTH}-\d{{2}}\s\d{{2}}:\d{{2}}:\d{{2}}\s{_ZONE}"
        # RFC 3339
        r"|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?(?:[+-]?\d{2}:\d{2})?"
        # JavaScript Date.toString()
        rf"|{_DAY}\s{_MONTH}\s\d{{2}}\s\d{{4}}\s\d{{2}}:\d{{2}}:\d{{2}}\sGMT[+-]\d{{4}}"
        r"(?:\s\([^)]+\))?"
        # date-times with and without zone, with and without seconds or fractions
        r"|\d{4}-?[01]\d-?[0-3]\d[\sT][0-2]\d:?[0-5]\d(?::?[0-5]\d(?:\.\d+)?)?"
        r"(?:[+-][0-2]\d:?[0-5]\d|Z)?"
        # kitchen clock, plain date, plain time
        r"|[1-9]\d?:\d{2}(?::\d{2})?(?:\s?[aApP][Mm])?"
        r"|\d{4}-[01]\d-[0-3]\d"
        r"|[0-2]\d:[0-5]\d:[0-5]\d"
        # ctime and RFC 2822 variants, Python datetime reprs
        rf"|\b(?:{_DAY}\s+)?{_MONTH}\s+\d{{1,2}}\s+\d{{2}}:\d{{2}}:\d{{2}}\s+\d{{4}}"
        rf"|\b(?:{_DAY},\s+)?(?:0[1-9]|[1-2]?\d|3[01])\s+{_MONTH}\s+(?:19\d{{2}}|[2-9]\d{{3}})\s+"
        rf"(?:2[0-3]|[0-1]\d):[0-5]\d(?::(?:60|[0-5]\d))?\s+(?:[-+]\d{{2}}[0-5]\d|{_ZONE})"
        r"|datetime\.datetime\(.*?\)",
    ),
    ("duration", r"\b\d+ms|\d+(?:\.\d+)?s\b"),
    (
        "hex",
        r"\b0[xX][0-9a-fA-F]+\b|\b(?=[a-f]*[0-9])[0-9a-f]{8,128}\b|\b(?=[A-F]*[0-9])[0-9A-F]{8,128}\b",
    ),
    ("git_sha", r"\b(?=[a-f]*[0-9])(?=[0-9]*[a-f])[0-9a-f]{7}\b"),
    ("float", r"-\d+\.\d+\b|\b\d+\.\d+\b"),
    ("int", r"-\d+\b|\b\d+\b"),
    ("quoted_str", r"""(?<==)(?:'[^']+'|"[^"]+")"""),
    ("bool", r"(?<==)(?:True|true|False|false)"),
)
# A cheap necessary condition in front of the costly kinds lets most positions fail at once.
_GATES = {
    "hostname": r"[a-zA-Z0-9\-]{1,63}\.",
    "ip": r"[0-9a-fA-F]{0,4}:|\d{1,3}\.",
    "date": rf"\d|{_DAY}|{_MONTH}|datetime",
    "duration": r"\d",
    "hex": r"[0-9a-fA-F]",
    "git_sha": r"[0-9a-f]",
    "float": r"-?\d",
    "int": r"-?\d",
}
_PATTERN = re.compile(
    "|".join(
        f"(?P<{name}>(?={_GATES[name]})(?:{pattern}))"
        if name in _GATES
        else f"(?P<{name}>{pattern})"
        for name, pattern in _KINDS
    )
)
_MAY_VARY = re.compile(r"[0-9@:=]|\.[a-zA-Z]|[a-fA-F]{32}")
"""Every kind needs one of these; text without any is left alone without running _PATTERN."""
_MAX_LINES = 2
_CUT = "..."


def _placeholder(match: re.Match[str]) -> str:
    return f"<{match.lastgroup}>"


def parameterize(text: str) -> str:
    """Replace every variable part of ``text`` with its ``<kind>`` placeholder."""
    if _MAY_VARY.search(text) is None:
        return text
    return _PATTERN.sub(_placeholder, text)


def normalize_message(message: str) -> str:
    """The message as grouping sees it: two non-empty lines at most, parameterised."""
    kept = "\n".join(islice((line for line in message.splitlines() if line.strip()), _MAX_LINES))
    if kept != message:
        kept += _CUT
    return parameterize(kept)
