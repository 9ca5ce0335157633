"""The credentials step with each SECRET_INTAKE, for every platform and both languages: the secure
page's button and link within Slack's limits, and with `link` no credential input left in the modal."""

from __future__ import annotations

import dataclasses

import pytest
from slack_sdk.models.views import View

from bot.catalogue import ENVIRONMENTS, Catalogue, load_catalogue
from bot.secure_page.views import LinkOffer
from bot.wizard.ids import Step, credential_block
from bot.wizard.step_views import credentials_view
from core.i18n import LANGUAGES, use_language
from core.settings import SecretIntake
from simulators.slack.views import view_errors
from tests.bot.wizard.test_views import snapshot

LINK = LinkOffer(url="https://codat-register.example.com/secure/0123456789abcdef." + "a" * 32, minutes=10,
                 until="Tue 01 Dec 11:10 GMT", sign_in=False)  # fmt: skip


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def block_ids(view: dict[str, object]) -> list[str]:
    return [str(block.get("block_id", "")) for block in view["blocks"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("intake", list(SecretIntake))
def test_every_platform_with_every_intake(catalogue: Catalogue, intake: SecretIntake, language: str) -> None:
    with use_language(language):
        for platform in catalogue.platforms:
            for environment in ENVIRONMENTS:
                for stored in (False, True):
                    base = dataclasses.replace(
                        snapshot(platform, environment, stored=stored), secret_intake=intake
                    )
                    for link in (None, LINK):
                        view = credentials_view(base, secure_link=link)
                        assert view_errors(view, ("modal",)) == [], (platform.id, intake)
                        View(**view).validate_json()
                        ids = block_ids(view)
                        inputs = [credential_block(f.key) for f in platform.credential_fields]
                        offered = "secure_page_offer" in ids
                        if not platform.credentials_required or intake is SecretIntake.modal:
                            assert not offered and "secure_page_link" not in ids
                        else:
                            assert offered and ("secure_page_link" in ids) == (link is not None)
                        if platform.credentials_required:
                            present = [i for i in inputs if i in ids]
                            assert present == ([] if intake is SecretIntake.link else inputs), platform.id
                        has_input = any(b["type"] == "input" for b in view["blocks"])
                        assert ("submit" in view) == has_input


def test_the_link_is_a_url_button_and_only_the_pointer(catalogue: Catalogue) -> None:
    platform = catalogue.get("xero")
    base = dataclasses.replace(snapshot(platform, "sandbox"), secret_intake=SecretIntake.link)
    view = credentials_view(base, secure_link=dataclasses.replace(LINK, sign_in=True))
    (link,) = [b for b in view["blocks"] if b.get("block_id") == "secure_page_link"]
    assert link["accessory"]["url"] == LINK.url and link["accessory"]["action_id"] == "secure_page_open"
    assert "10 minutes" in link["text"]["text"] and "sign in with Slack" in link["text"]["text"]
    assert "never through Slack" in str(view["blocks"])
    assert view["private_metadata"] and Step.credentials.value in view["private_metadata"]
    assert LINK.url not in repr(LINK)
