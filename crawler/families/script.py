"""Values read out of the inline scripts of list pages, without running them.

List scripts are configured with object literals and variables:
`pageChnlInfo = {recordCount:'107', prepage:15, classsql: "" || "chnlid=1780"}`,
`listModel({listArgs: {channelid: SiteInfo.searchId}, pagebar: {prepage: p.prepage||15}})`,
`$('#49468').jpage({totalRecord:1418, perPage:25, ajaxParam:{webid:60, columnid:30067}})`.
`value(text, key)` finds `key: expr` (or `key = expr`) and reads the expression: a quoted
string (the first non-empty one of `a || b`), a number, or a reference (`SiteInfo.searchId`)
looked up by its last name. A JavaScript engine would do more; these pages need no more, and
running a portal's scripts is not something an archiver should do.
"""

from __future__ import annotations

import re

QUOTED = re.compile(r"""(['"])(.*?)(?<!\\)\1""", re.S)
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
PATH = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")


def _expression(text: str, start: int) -> str:
    """The expression that starts at `start`: up to a comma, semicolon, newline, closing
    bracket or `//` comment outside quotes."""
    quote, i = None, start
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c in ",;\n})]" or text.startswith("//", i):
            break
        i += 1
    return text[start:i]


def evaluate(text: str, expr: str, key: str | None = None, _depth: int = 0) -> str | None:
    """The value of a simple expression of the page's scripts: `'x'`, `12`, `"" || "x"`,
    `a.b || 15`, a reference looked up by its last name (not `key` itself)."""
    for part in expr.split("||"):
        part = part.strip()
        q = QUOTED.fullmatch(part)
        if q:
            if q.group(2):
                return q.group(2)
            continue
        if NUMBER.fullmatch(part):
            return part
        if PATH.fullmatch(part) and _depth < 3:
            name = part.rsplit(".", 1)[-1]
            if name != key and name not in ("true", "false", "null", "undefined"):
                found = value(text, name, _depth + 1)
                if found is not None:
                    return found
    return None


def value(text: str, key: str, _depth: int = 0) -> str | None:
    """The first value `key` is given in the page's scripts, as a string (None if none)."""
    for m in re.finditer(r"(?<![\w.$])" + re.escape(key) + r"""['"]?\s*[:=](?!=)\s*""", text):
        found = evaluate(text, _expression(text, m.end()), key, _depth)
        if found is not None:
            return found
    return None


def number(text: str, key: str) -> int | None:
    v = value(text, key)
    try:
        return int(float(v)) if v is not None else None
    except ValueError:
        return None


def object_literal(text: str, key: str) -> dict[str, str]:
    """The members of `key: {a: 1, b: 'x', c: other.ref}` (jpage's ajaxParam, list2's
    listArgs), each as its expression's source: `evaluate` gives its value."""
    m = re.search(r"(?<![\w.$])" + re.escape(key) + r"""['"]?\s*[:=]\s*\{""", text)
    if not m:
        return {}
    out, pos = {}, m.end()
    member = re.compile(r"""\s*(?://[^\n]*\n\s*)*['"]?([\w$]+)['"]?\s*:\s*""")
    while pos < len(text):
        mm = member.match(text, pos)
        if not mm:
            break
        expr = _expression(text, mm.end())
        out[mm.group(1)] = expr.strip()
        pos = mm.end() + len(expr)
        rest = re.match(r"\s*,?\s*(?://[^\n]*)?", text[pos:])  # a comma, a comment
        pos += rest.end()
        if pos >= len(text) or text[pos] == "}":
            break
    return out
