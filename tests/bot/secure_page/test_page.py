"""The page's HTML, rendered alone: escaped, a secret never given a value, Slack's marks as HTML,
the style the policy's hash allows."""

from __future__ import annotations

import base64
import hashlib
import re

from bot.secure_page import page


def view(**changes: object) -> page.FormView:
    fields = (
        page.FieldView(
            "client_id", "Client <ID>", secret=False, optional=False, value='"><script>x</script>'
        ),
        page.FieldView(
            "client_secret", "Client Secret", secret=True, optional=False, value="never-shown-secret"
        ),
    )
    values: dict[str, object] = {
        "language": "en",
        "title": "Xero · sandbox",
        "intro": "Type *them* in `here`.",
        "destinations": ("vault",),
        "who": ("For <@U0ALICE>.",),
        "fields": fields,
        "csrf": "csrf-token",
    }
    return page.FormView(**{**values, **changes})  # type: ignore[arg-type]


def test_values_are_escaped_and_a_secret_field_never_has_one() -> None:
    html = page.form_page(view(), names=lambda user: "Alice Archer")
    assert "<script>x</script>" not in html and "&quot;&gt;&lt;script&gt;" in html
    assert "never-shown-secret" not in html
    assert "Client &lt;ID&gt;" in html and "For @Alice Archer." in html
    assert "<strong>them</strong>" in html and "<code>here</code>" in html
    assert re.search(r'<input id="field_client_secret" name="field_client_secret" type="password"', html)
    shown = page.form_page(view(shown=True))
    assert 'name="field_client_secret" type="text"' in shown and "never-shown-secret" not in shown


def test_slack_constructs_become_text() -> None:
    rendered = page.inline(
        "<!date^1781000000^{date}|Mon 8 Jun 11:00> · <https://x.example|docs> · a &amp; b &lt;c&gt;"
    )
    assert rendered == "Mon 8 Jun 11:00 · docs · a &amp; b &lt;c&gt;"


def test_the_style_is_the_one_the_policy_allows() -> None:
    html = page.problem_page("fr", "Titre", ["Texte"])
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None and '<html lang="fr">' in html
    expected = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"style-src 'sha256-{expected}'" in page.CONTENT_SECURITY_POLICY
    assert page.CONTENT_SECURITY_POLICY.startswith("default-src 'none';")
    for directive in ("form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"):
        assert directive in page.CONTENT_SECURITY_POLICY
