"""Without CODAT_API_KEY: nothing goes to Codat; `verify` says how to configure it, `status` says
"not checked", and a person may mark "Enabled in Codat" done by hand."""

from __future__ import annotations

from bot.codat.verification import run_daily_checks
from simulators.codat import CodatStandIn
from storage.statuses import ItemStatus
from tests.bot.codat.support import Seed
from tests.bot.codat.test_verification import command
from tests.conftest import RunningBot


def test_verify_says_how_to_configure_codat_and_done_works_by_hand(
    bot: RunningBot, codat: CodatStandIn
) -> None:
    assert bot.deps.settings.CODAT_API_KEY is None and bot.deps.codat is None
    seed = Seed(bot.deps.db)
    registration = seed.registration()
    text = command(bot, "verify xero")
    assert "`CODAT_API_KEY` setting is not set" in text and "Developers > API keys" in text
    assert "/codat-register done xero enabled_in_codat" in text
    assert "Codat: not checked" in command(bot, "status")
    assert not run_daily_checks(bot.deps).configured
    text = command(bot, "done xero enabled_in_codat")
    assert "Marked *Enabled in Codat* (Xero, production) done" in text and "registration is complete" in text
    assert seed.item(registration).status == ItemStatus.done
    assert seed.status(registration) == "completed"
    assert codat.calls() == 0  # nothing ever reached Codat
