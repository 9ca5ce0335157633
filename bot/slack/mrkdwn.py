"""Escaping for Slack mrkdwn: the one way a word someone typed goes back into a message.

Slack reads `<…>` as a control sequence anywhere in mrkdwn, code spans included (`<!channel>`
notifies everyone, `<https://evil|click>` is a link with a spoofed label), and a backtick ends a
code span. Slack's documented escapes are `&amp;`, `&lt;` and `&gt;` (shown as `&`, `<`, `>`);
there is no escape for a backtick, so it becomes a look-alike that closes nothing.
"""

from __future__ import annotations

ECHO_MAX = 40  # how much of a typed word an answer repeats
BACKTICK_LOOKALIKE = "\u02cb"  # ˋ MODIFIER LETTER GRAVE ACCENT

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "`": BACKTICK_LOOKALIKE})


def escape(text: str) -> str:
    """`text` as literal mrkdwn: no control sequence, link, mention or end of a code span."""
    return text.translate(_ESCAPES)


def echo(word: str, limit: int = ECHO_MAX) -> str:
    """A typed word to repeat in an answer (usually inside a code span): cut to `limit`, then
    escaped, so the cut never splits an escape."""
    return escape(word[:limit])
