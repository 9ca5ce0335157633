"""Installs (OAuth mode): the scopes the app asks for, the pages an installer sees after Slack sent
them back, and what installing and uninstalling do to a workspace's rows."""
