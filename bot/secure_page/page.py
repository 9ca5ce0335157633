"""The secure page's HTML: plain HTML and one inline style, allowed by its hash in the page's
Content-Security-Policy — no script, no image, nothing loaded from anywhere.

Views only render what bot.secure_page.intake decided. Every text is escaped; texts may carry
Slack's inline marks (`*bold*`, `` `code` ``, `<@U…>` mentions), rendered here. A secret field
is never given a value: what was typed into one never comes back to the browser.

The show toggle needs no script: the secret inputs are `type=password`, and "Show what I type"
is a second submit button that reloads the form with them as plain text inputs — empty, like
every reload. (Two inputs swapped by CSS would hold the value twice; CSS cannot unmask a password
input; echoing the value would put the secret in the page.)
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.secure_page import texts as t
from bot.secure_page.ids import Form, Mode, form_field

MAX_VALUE_CHARS = 65_536  # the vault's limit is in bytes: it says so when a value is over it

CSS = """\
:root{color-scheme:light;--ink:#1d1c1d;--muted:#616061;--line:#dddddd;--accent:#1d2b4f;--bad:#b3261e}
*{box-sizing:border-box}
body{margin:0;background:#f6f6f7;color:var(--ink);font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
main{max-width:40rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;
  border:1px solid var(--line);border-radius:8px}
h1{font-size:1.4rem;margin:0 0 .75rem}
h2{font-size:1rem;margin:1.25rem 0 .25rem}
p{margin:.5rem 0}
code{font:.9em ui-monospace,Menlo,Consolas,monospace;background:#f1f1f2;padding:.05em .3em;
  border-radius:3px;overflow-wrap:anywhere}
.where{border-left:3px solid var(--accent);padding:.25rem .75rem;background:#f8f9fb}
.warn{color:#7a4b00;background:#fff4db;padding:.5rem .75rem;border-radius:4px}
.who,.small,.hint{color:var(--muted);font-size:.9rem}
.banner{color:var(--bad);background:#fdecea;padding:.5rem .75rem;border-radius:4px}
.field{margin:1rem 0}
label{display:block;font-weight:600}
.mark{font-weight:400;color:var(--muted);font-size:.85rem;margin-left:.35rem}
input[type=text],input[type=password]{width:100%;padding:.5rem .6rem;font:inherit;
  border:1px solid #bbb;border-radius:4px}
.error input{border-color:var(--bad)}
.error .message{color:var(--bad);font-size:.9rem}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1.25rem}
button{font:inherit;padding:.5rem 1rem;border-radius:4px;border:1px solid var(--accent);cursor:pointer}
.primary{background:var(--accent);color:#fff}
.secondary{background:#fff;color:var(--accent)}
.done{list-style:none;padding:0}
.done li{margin:.35rem 0}
"""
_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

# Slack's <…> constructs: a mention, a date with its fallback, a link with its text.
_ANGLE = re.compile(r"<(@[UW][A-Z0-9]{2,20}|![^<>|]*\|[^<>]*|(?:https?|mailto):[^<>]*)>")
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))

Names = Callable[[str], str]


def inline(text: str, names: Names | None = None) -> str:
    """A text written for Slack (mrkdwn: `*bold*`, `` `code` ``, mentions, dates, links, its three
    escapes) as escaped HTML: a mention becomes the person's name, a date its fallback, a link its
    text (the page links nowhere)."""

    def angle(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner.startswith("@"):
            return "@" + (names(inner[1:]) if names is not None else inner[1:])
        return inner.split("|", 1)[1] if "|" in inner else inner

    text = _ANGLE.sub(angle, text)
    for escaped, character in _SLACK_ENTITIES:
        text = text.replace(escaped, character)
    escaped = html.escape(text, quote=True)
    escaped = _CODE.sub(r"<code>\1</code>", escaped)
    return _BOLD.sub(r"<strong>\1</strong>", escaped)


@dataclass(frozen=True)
class FieldView:
    """One credential input. `value` is only ever what was typed into a non-secret field."""

    key: str
    label: str
    secret: bool
    optional: bool
    hints: tuple[str, ...] = ()
    value: str = ""
    error: str | None = None


@dataclass(frozen=True)
class DateView:
    """The "when does this secret expire?" input: YYYY-MM-DD as typed or pre-filled (not secret)."""

    label: str
    hint: str
    value: str = ""
    error: str | None = None


@dataclass(frozen=True)
class FormView:
    """The form, as intake decided it: what it names, and the person's fields and messages."""

    language: str
    title: str
    intro: str
    destinations: tuple[str, ...]  # where the values go: the vault and secret names
    who: tuple[str, ...]  # for whom, until when, signed in or a bearer link
    fields: tuple[FieldView, ...]
    csrf: str = field(repr=False)
    development_vault: bool = False
    banner: tuple[str, ...] = ()  # what went wrong, and what to do
    shown: bool = False  # the secret fields shown as typed
    expiry: DateView | None = None


def document(language: str, title: str, body: str) -> str:
    """A whole page: the language, the title, the hashed style, `body` (already HTML)."""
    return (
        f'<!doctype html>\n<html lang="{html.escape(language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _paragraphs(lines: Sequence[str], css: str, names: Names | None = None) -> str:
    return "\n".join(f'<p class="{css}">{inline(line, names)}</p>' for line in lines)


def _input(view: FieldView, shown: bool) -> str:
    name = form_field(view.key)
    kind = "password" if view.secret and not shown else "text"
    value = "" if view.secret else view.value  # a secret is never written back into the page
    attributes = [
        f'id="{name}"',
        f'name="{name}"',
        f'type="{kind}"',
        'autocomplete="off"',
        'autocapitalize="off"',
        'autocorrect="off"',
        'spellcheck="false"',
        f'maxlength="{MAX_VALUE_CHARS}"',
    ]
    if value:
        attributes.append(f'value="{html.escape(value, quote=True)}"')
    if view.error:
        attributes.append(f'aria-describedby="{name}-error"')
    return f"<input {' '.join(attributes)}>"


def _field(view: FieldView, shown: bool) -> str:
    marks = [t.PAGE_SECRET_MARK] if view.secret else []
    if view.optional:
        marks.append(t.PAGE_OPTIONAL)
    mark = f'<span class="mark">({html.escape(", ".join(marks))})</span>' if marks else ""
    parts = [
        f'<div class="field{" error" if view.error else ""}">',
        f'<label for="{form_field(view.key)}">{html.escape(view.label)}{mark}</label>',
        _input(view, shown),
        *(f'<p class="hint">{inline(hint)}</p>' for hint in view.hints if hint),
    ]
    if view.error:
        parts.append(f'<p class="message" id="{form_field(view.key)}-error">{inline(view.error)}</p>')
    parts.append("</div>")
    return "\n".join(parts)


def _date(view: DateView) -> str:
    name = Form.expires_on.value
    attributes = [f'id="{name}"', f'name="{name}"', 'type="date"', 'autocomplete="off"', 'maxlength="10"']
    if view.value:
        attributes.append(f'value="{html.escape(view.value, quote=True)}"')
    if view.error:
        attributes.append(f'aria-describedby="{name}-error"')
    parts = [
        f'<div class="field{" error" if view.error else ""}">',
        f'<label for="{name}">{html.escape(view.label)}'
        f'<span class="mark">({html.escape(t.PAGE_OPTIONAL)})</span></label>',
        f"<input {' '.join(attributes)}>",
        f'<p class="hint">{inline(view.hint)}</p>',
    ]
    if view.error:
        parts.append(f'<p class="message" id="{name}-error">{inline(view.error)}</p>')
    parts.append("</div>")
    return "\n".join(parts)


def form_page(view: FormView, names: Names | None = None) -> str:
    """The form: what, where to, for whom; the fields; Submit and the show toggle."""
    toggle = (Mode.hide, t.PAGE_HIDE) if view.shown else (Mode.show, t.PAGE_SHOW)
    body = [
        f"<h1>{html.escape(view.title)}</h1>",
        f"<p>{inline(view.intro)}</p>",
        f'<section class="where">\n<h2>{html.escape(t.PAGE_WHERE)}</h2>',
        _paragraphs(view.destinations, "destination"),
        "</section>",
    ]
    if view.development_vault:
        body.append(f'<p class="warn">{inline(t.PAGE_DEV_VAULT)}</p>')
    body.append(_paragraphs(view.who, "who", names))
    if view.banner:
        problems = _paragraphs(view.banner, "problem", names)
        body.append(f'<div class="banner" role="alert">\n{problems}\n</div>')
    # No action attribute: the form posts back to this page's own URL (form-action 'self').
    body += [
        '<form method="post" autocomplete="off">',
        f'<input type="hidden" name="{Form.csrf}" value="{html.escape(view.csrf, quote=True)}">',
    ]
    if view.shown:
        body.append(f'<input type="hidden" name="{Form.shown}" value="1">')
    body += [_field(item, view.shown) for item in view.fields]
    if view.expiry is not None:
        body.append(_date(view.expiry))
    body += [
        '<div class="actions">',
        # The first submit button is the one Enter presses.
        f'<button type="submit" name="{Form.mode}" value="{Mode.store}" class="primary">'
        f"{html.escape(t.PAGE_SUBMIT)}</button>",
        f'<button type="submit" name="{Form.mode}" value="{toggle[0]}" class="secondary">'
        f"{html.escape(toggle[1])}</button>",
        "</div>",
        f'<p class="small">{inline(t.PAGE_SHOW_HINT)}</p>',
        "</form>",
    ]
    return document(view.language, view.title, "\n".join(body))


def done_page(language: str, title: str, stored: Sequence[str], text: str, names: Names | None = None) -> str:
    """Stored: where each value went (the summary's lines: fields, fingerprint, resource, version,
    or waiting for approval), never a value; then that Slack says the rest."""
    items = "\n".join(f"<li>{inline(line, names)}</li>" for line in stored if line.strip())
    body = f'<h1>{html.escape(t.DONE_HEADING)}</h1>\n<ul class="done">\n{items}\n</ul>\n<p>{inline(text)}</p>'
    return document(language, title, body)


def problem_page(language: str, heading: str, lines: Sequence[str], names: Names | None = None) -> str:
    """A link or request that cannot be used: what happened, and what to do."""
    body = f"<h1>{html.escape(heading)}</h1>\n{_paragraphs(lines, 'problem', names)}"
    return document(language, heading, body)
