"""The secure page in the modal: the "Enter on a secure page" button, and the link once made.

The link's URL goes to Slack only as the target of a URL button (the pointer, never a value).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.secure_page import texts as t
from bot.secure_page.ids import ActionId, BlockId
from bot.slack.blocks import Block, actions, button, context, section

URL_MAX = 3000  # Slack's limit for a button's url


@dataclass(frozen=True)
class LinkOffer:
    """A link just made for the person looking at the modal: its URL, how long it works."""

    url: str
    minutes: int
    until: str  # when it expires, as the person reads it
    sign_in: bool  # whether the page signs them in with Slack first

    def __repr__(self) -> str:  # the URL holds the token
        return f"LinkOffer([redacted], minutes={self.minutes})"


def intro_text(*, environment: str, name: str, location: str) -> str:
    """The credentials step's intro when credentials are entered on the secure page only."""
    return t.LINK_INTRO.format(environment=environment, name=name, location=location)


def offer_blocks(location: str, *, link_only: bool, link: LinkOffer | None = None) -> list[Block]:
    """The button (beside the modal's inputs, or instead of them) and, once made, the link."""
    blocks: list[Block] = [actions(BlockId.offer, [button(t.OFFER_BUTTON, ActionId.offer, style="primary")])]
    if link is not None:
        who = t.LINK_SIGN_IN if link.sign_in else t.LINK_BEARER
        lines = [t.LINK_READY(link.minutes, time=link.until), who]
        if len(link.url) > URL_MAX:
            raise ValueError("the secure page's URL is longer than Slack allows in a button")
        opener = {**button(t.OPEN_BUTTON, ActionId.open), "url": link.url}
        blocks.append(section(" ".join(lines), block_id=BlockId.link, accessory=opener))
    elif not link_only:
        blocks.append(context(t.OFFER_HINT.format(location=location)))
    if link_only:
        blocks.append(context(t.LINK_WAITING))
    return blocks
