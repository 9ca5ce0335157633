"""What installing and uninstalling the app do to a workspace (OAuth mode).

- `installed(...)`: Bolt's OAuth flow saved an installation. The workspace — or, for an org-wide
  installation, every workspace of the organisation the bot already knows — is installed again:
  its uninstall mark cleared, its stopped reminders due again, and `app.installed` audited.
- `uninstalled(...)`: Slack said the app was uninstalled (`app_uninstalled`) or its bot token
  revoked (`tokens_revoked`). The installation is deleted (slack_sdk's store), and each workspace
  it served is marked uninstalled, its reminders — checklist items', approvers' — stop, and its data
  is kept or deleted as PURGE_ON_UNINSTALL says; `app.uninstalled` is audited. Secrets in Secret
  Manager are never deleted by the bot: README > Create the Slack app > Uninstalling says how.
"""

from __future__ import annotations

import logging

from slack_sdk.oauth.installation_store import Installation

from bot.deps import Deps
from storage import workspaces
from storage.audit import SYSTEM_ACTOR, Record, Surface
from storage.installations import InstallKey

logger = logging.getLogger("codat_register.installs")

INSTALLED = "app.installed"
UNINSTALLED = "app.uninstalled"
SUBJECT = "installation"


def installed(deps: Deps, installation: Installation) -> list[str]:
    """The workspaces an installation (just saved) serves, now installed again; see the module."""
    installations = deps.installations
    assert installations is not None, "installs happen in OAuth mode only"
    org_wide = bool(installation.is_enterprise_install)
    if org_wide and installation.enterprise_id:
        teams = workspaces.teams_of(deps.db, installation.enterprise_id)
        installations.forget(enterprise_id=installation.enterprise_id)
    elif installation.team_id:
        teams = [installation.team_id]
        if installation.enterprise_id:
            workspaces.remember_enterprise(deps.db, installation.team_id, installation.enterprise_id)
        installations.forget(installation.team_id)
    else:
        return []
    details = {
        "enterprise_id": installation.enterprise_id,
        "org_wide": org_wide,
        "scopes": ",".join(installation.bot_scopes or []),
        "token_rotation": installation.bot_refresh_token is not None,
    }
    audit = Record(installation.user_id, INSTALLED, SUBJECT, surface=Surface.page, details=details)
    resumed = workspaces.reinstall(deps.db, teams, deps.clock.now(), audit=audit)
    where = f"organisation {installation.enterprise_id}" if org_wide else f"workspace {installation.team_id}"
    logger.info("installed in %s (%d reminder(s) resumed)", where, resumed)
    return teams


def uninstalled(deps: Deps, key: InstallKey, *, event: str) -> list[str]:
    """The app was uninstalled from the installation `key` (its token revoked): see the module.
    The workspaces it served."""
    installations = deps.installations
    assert installations is not None, "uninstalls are followed in OAuth mode only"
    installations.store.delete_all(enterprise_id=key.enterprise_id, team_id=key.team_id)
    if key.org_wide:
        assert key.enterprise_id is not None
        teams = workspaces.teams_of(deps.db, key.enterprise_id)
        installations.forget(enterprise_id=key.enterprise_id)
    else:
        assert key.team_id is not None
        teams = [key.team_id]
        installations.forget(key.team_id)
    purge = deps.settings.PURGE_ON_UNINSTALL
    details = {"event": event, "enterprise_id": key.enterprise_id, "org_wide": key.org_wide}
    audit = Record(SYSTEM_ACTOR, UNINSTALLED, SUBJECT, surface=Surface.job, details=details)
    done = workspaces.uninstall(deps.db, teams, deps.clock.now(), purge=purge, audit=audit)
    for team_id, outcome in done.items():
        data = "its data deleted" if purge else "its data kept"
        stopped = outcome["stopped"]
        logger.info("uninstalled from workspace %s: %s reminder(s) stopped, %s", team_id, stopped, data)
    return teams
