"""What the secure page answers: the form, a submission, the show toggle, a body too large.

Every request is checked in this order, and stops at the first problem (nothing is stored):
1. the link (bot.secure_page.links.find: 404 unknown or changed, 410 used, expired or gone);
2. with Sign in with Slack, the browser that signed in as the link's person (else: sign in first);
3. a submission: the form's current CSRF token (403), then the claim — one conditional UPDATE, so
   one submission at a time across replicas (409 while another one runs);
4. the wizard's own credentials submission (bot.wizard.flow.submit_credentials) with the page's
   values as the step's state: the policy, the catalogue's fields, 64 KiB, the vault deadline and
   the same messages as the modal.
Stored: the link is used, the page says where each value went (never a value), and the modal (by
the view id the link was made from), its summary and a DM confirm it in Slack. Not stored: the link
is handed back, and the form comes again with what was typed in the non-secret fields only.

Every attempt is an audit event (surface `page`) in the link's workspace: the form shown
(`secure_page.opened`), refused (`secure_page.refused`, with the reason), not stored
(`secure_page.not_stored`, plus the wizard's `credentials.store_failed` for a vault error), stored
(the wizard's `credentials.stored`, then `secure_link.used`). Nothing logs a token.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.expiry import rules as expiry_rules
from bot.expiry import texts as expiry_texts
from bot.governance import texts as governance_texts
from bot.governance.refusals import refusal_text
from bot.governance.roles import caller_of
from bot.language.choice import language_of
from bot.registrations.checklist import Phase
from bot.secure_page import links, page, sign_in
from bot.secure_page import texts as t
from bot.secure_page.ids import SESSION_COOKIE, Form, Mode, form_field
from bot.secure_page.reply import Page
from bot.secure_page.tokens import digest, new_secret, same
from bot.wizard import texts as wizard_texts
from bot.wizard.answers import credentials_state
from bot.wizard.flow import CredentialsResult, submit_credentials
from bot.wizard.ids import ActionId as WizardAction
from bot.wizard.ids import BlockId as WizardBlock
from bot.wizard.ids import Step, credential_block
from bot.wizard.runtime import runtime
from bot.wizard.slack_calls import send_dm, update_view
from bot.wizard.snapshot import Snapshot, load
from bot.wizard.step_views import credential_hints, credential_optional, step_view
from bot.wizard.summary_views import dm_message, stored_text
from core.i18n import current_language, use_language
from core.logs import in_flight_secrets
from storage.audit import Surface
from storage.secure_links import ClaimRefused, Link, SecureLinks
from storage.statuses import ItemStatus
from storage.vault import secret_ids
from storage.wizard_rows import StaleRows

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger("codat_register.secure_page")

CLAIM_LEASE = timedelta(seconds=30)  # far above a store's deadline (VAULT_DEADLINE_SECONDS ≤ 2.5 s)
Fields = Mapping[str, str]


# --- the requests -------------------------------------------------------------------------------------


def open_page(deps: Deps, raw_token: str, cookies: Fields) -> Page:
    """GET /secure/<token>: the form (after Sign in with Slack, when configured), or why not."""
    found = links.find(deps, raw_token)
    if isinstance(found, Page):
        return found
    with use_language(found.link.language):
        signed_in = same(cookies.get(SESSION_COOKIE), found.link.session_hash)
        if deps.settings.sign_in_with_slack and not signed_in:
            return sign_in.begin(deps, found.link, found.token)
        return _form(deps, found, action="secure_page.opened")


def submit_page(deps: Deps, raw_token: str, form: Fields, cookies: Fields) -> Page:
    """POST /secure/<token>: store what was typed (or show/hide the secret fields)."""
    started = time.monotonic()
    found = links.find(deps, raw_token)
    if isinstance(found, Page):
        return found
    link = found.link
    with use_language(link.language):
        session = cookies.get(SESSION_COOKIE) if deps.settings.sign_in_with_slack else None
        if deps.settings.sign_in_with_slack and not same(session, link.session_hash):
            links.refuse(deps, link, "not_signed_in")
            return links.problem(deps, link, 403, t.SIGN_IN_HEADING, t.SIGN_IN_AGAIN)
        csrf = form.get(Form.csrf) or ""
        if not same(csrf, link.csrf_hash):
            links.refuse(deps, link, "csrf")
            return links.problem(deps, link, 403, t.FORM_EXPIRED_HEADING, t.FORM_EXPIRED)
        values = {key: form.get(form_field(key)) or "" for key in link.field_keys}
        with in_flight_secrets.track(*values.values()):
            return _submit(deps, found, values, form, csrf, session, started)


def _expiry_typed(form: Fields) -> str:
    return (form.get(Form.expires_on) or "").strip()[:10]


def _submit(
    deps: Deps,
    found: links.Found,
    values: Fields,
    form: Fields,
    csrf: str,
    session: str | None,
    started: float,
) -> Page:
    """A checked submission: show or hide the secret fields, or claim the link and store."""
    link = found.link
    kept = _not_secret(found.snapshot, values)
    shown = form.get(Form.shown) == "1"
    mode = form.get(Form.mode) or Mode.store
    expires = _expiry_typed(form)
    if mode in (Mode.show, Mode.hide):  # what was typed so far is neither stored nor sent back
        return _form(
            deps, found, kept=kept, shown=mode == Mode.show, action="secure_page.opened", expires=expires
        )
    claim = SecureLinks(deps.db).claim(
        link.id,
        link.token_hash,
        digest(csrf),
        None if session is None else digest(session),
        deps.clock.now(),
        CLAIM_LEASE,
    )
    if isinstance(claim, ClaimRefused):
        return _claim_refused(deps, link, claim)
    try:
        result = _store(deps, link, values, expires, started)
    except StaleRows:  # the registration changed twice while saving: nothing was saved
        result = CredentialsResult(errors={credential_block(key): wizard_texts.ERROR_VAULT for key in values})
    except BaseException:
        SecureLinks(deps.db).release(link.id, claim, deps.clock.now())
        raise
    return _after_store(deps, found, claim, result, kept, shown, expires)


def too_large(deps: Deps, raw_token: str, size: int, limit: int) -> Page:
    """A POST over the page's body limit: refused before it is read (nothing stored)."""
    found = links.find(deps, raw_token)
    if isinstance(found, Page):
        return found
    with use_language(found.link.language):
        links.refuse(deps, found.link, "too_large", size=size)
        text = t.TOO_LARGE.format(size=size, limit=limit)
        return links.problem(deps, found.link, 413, t.TOO_LARGE_HEADING, text)


def bad_request(deps: Deps, raw_token: str, reason: str) -> Page:
    """A request the page cannot read (not a form, not UTF-8…): refused, nothing stored."""
    found = links.find(deps, raw_token)
    if isinstance(found, Page):
        return found
    with use_language(found.link.language):
        links.refuse(deps, found.link, "bad_request", problem=reason)
        return links.problem(deps, found.link, 400, t.BAD_REQUEST_HEADING, t.BAD_REQUEST)


# --- the link ------------------------------------------------------------------------------------------


def _claim_refused(deps: Deps, link: Link, why: ClaimRefused) -> Page:
    links.refuse(deps, link, why.value)
    if why is ClaimRefused.used:
        return links.problem(deps, link, 410, t.USED_HEADING, t.USED)
    if why is ClaimRefused.expired:
        return links.problem(deps, link, 410, t.EXPIRED_HEADING, t.EXPIRED(deps.settings.SECURE_LINK_MINUTES))
    if why is ClaimRefused.in_use:
        return links.problem(deps, link, 409, t.IN_USE_HEADING, t.IN_USE, new_link=False)
    if why is ClaimRefused.session:
        return links.problem(deps, link, 403, t.SIGN_IN_HEADING, t.SIGN_IN_AGAIN)
    if why is ClaimRefused.gone:
        return links.unknown(deps, link)
    return links.problem(deps, link, 403, t.FORM_EXPIRED_HEADING, t.FORM_EXPIRED)


# --- storing -------------------------------------------------------------------------------------------


def _store(deps: Deps, link: Link, values: Fields, expires: str, started: float) -> CredentialsResult:
    """The wizard's credentials submission, under the registration's lock, with the page's values
    as the step's state and the step's other answers as saved (so the page changes only the
    credentials)."""
    with runtime(deps).locks.hold(link.registration_id):
        snapshot = load(deps, link.team_id, link.registration_id, link.user_id)
        if snapshot is None:
            return CredentialsResult()
        owner, due = snapshot.assignment_defaults(Step.credentials)
        done = frozenset(i.key for i in snapshot.items_of(Phase.credentials) if i.status == ItemStatus.done)
        state = dict(credentials_state(values, owner=owner, due=due, checked=done))
        if expires:  # as typed: the step's own check says what is wrong with it
            picked = {"type": "datepicker", "selected_date": expires}
            state[WizardBlock.credential_expiry] = {WizardAction.credential_expiry: picked}
        caller = caller_of(deps, link.team_id, link.user_id)
        editing = Step.credentials.passed(snapshot.step)  # a finished step stays finished
        return submit_credentials(
            deps, snapshot, caller, state, editing=editing, started=started, surface=Surface.page
        )


def _after_store(
    deps: Deps,
    found: links.Found,
    claim: str,
    result: CredentialsResult,
    kept: Fields,
    shown: bool,
    expires: str,
) -> Page:
    link, rows, now = found.link, SecureLinks(deps.db), deps.clock.now()
    saved = result.saved
    if saved is not None and not result.errors and result.refused is None:
        fields = sorted({stored.field for stored in result.stored})
        rows.use(link.id, claim, now, links.event(link, "secure_link.used", fields=fields))
        logger.info("secure page: link %s stored credentials of %s", link.id, link.registration_id)
        deps.background.submit(confirm_in_slack, deps, link, saved)
        return Page(200, _done(deps, link, saved))
    if result.refused is not None:
        rows.release(link.id, claim, now)
        lines = [refusal_text(result.refused), t.PAGE_REFUSED]
        heading = governance_texts.MODAL_TITLE
        return Page(403, page.problem_page(link.language, heading, lines, links.names_of(deps, link)))
    if not result.errors:  # the registration was cancelled or removed meanwhile
        gone = links.event(link, "secure_page.refused", reason="registration_gone")
        rows.release(link.id, claim, now, gone)
        return links.problem(deps, link, 410, t.GONE_HEADING, t.GONE)
    by_field = {credential_block(key): key for key in link.field_keys}
    errors = {by_field[block]: text for block, text in result.errors.items() if block in by_field}
    date_error = result.errors.get(WizardBlock.credential_expiry)
    others = [
        text
        for block, text in result.errors.items()
        if block not in by_field and block != WizardBlock.credential_expiry
    ]
    banner = [t.PAGE_NOT_STORED]
    banner += [t.PAGE_OTHER_PROBLEM.format(problem=text.rstrip(".")) for text in others]
    failed = links.event(link, "secure_page.not_stored", fields=sorted(errors), other=len(others))
    rows.release(link.id, claim, now, failed)
    return _form(
        deps,
        found,
        kept=kept,
        shown=shown,
        errors=errors,
        banner=banner,
        status=422,
        expires=expires,
        date_error=date_error,
    )


def confirm_in_slack(deps: Deps, link: Link, saved: Snapshot) -> None:
    """After a store (in deps.background): the modal the link was made from moves on (if it is still
    open), and the person gets the wizard's DM with the references — in their language."""
    person = deps.slack.cached_person(link.team_id, link.user_id)
    with use_language(language_of(person, deps.settings.DEFAULT_LANGUAGE)[0]):
        reread = load(deps, link.team_id, link.registration_id, link.user_id) or saved
        if link.view_id:
            update_view(deps, link.team_id, link.view_id, step_view(reread, reread.step), None)
        send_dm(deps, link.team_id, link.user_id, *dm_message(reread))


# --- rendering -------------------------------------------------------------------------------------------


def _not_secret(snapshot: Snapshot, values: Fields) -> dict[str, str]:
    """What may be shown again: the values typed into fields that are not secret."""
    secret = {f.key for f in snapshot.platform.credential_fields if f.secret}
    return {key: value for key, value in values.items() if key not in secret}


def _form(
    deps: Deps,
    found: links.Found,
    *,
    action: str | None = None,
    kept: Fields | None = None,
    shown: bool = False,
    errors: Fields | None = None,
    banner: list[str] | None = None,
    status: int = 200,
    expires: str | None = None,
    date_error: str | None = None,
) -> Page:
    """The form with a new CSRF token (the previous one stops working); `action` audits it.
    `expires`: the expiry date as typed (None: the stored date, or the platform rule's)."""
    link, snapshot = found.link, found.snapshot
    csrf = new_secret()
    events = [links.event(link, action, shown=shown)] if action else []
    if not SecureLinks(deps.db).set_csrf(link.id, digest(csrf), deps.clock.now(), *events):
        return links.problem(deps, link, 410, t.USED_HEADING, t.USED)  # used by another tab meanwhile
    platform, kept, errors = snapshot.platform, kept or {}, errors or {}
    fields = tuple(
        page.FieldView(
            key=credential.key,
            label=credential.label,
            secret=credential.secret,
            optional=credential_optional(snapshot, credential),
            hints=tuple(credential_hints(snapshot, credential)),
            value=kept.get(credential.key, ""),
            error=errors.get(credential.key),
        )
        for credential in platform.credential_fields
    )
    names = links.names_of(deps, link)
    until = links.until(deps, link.team_id, link.user_id, link.expires_at)
    who = [t.PAGE_FOR.format(person=names(link.user_id), time=until)]
    signed_in = t.PAGE_SIGNED_IN.format(person=names(link.user_id))
    who.append(signed_in if deps.settings.sign_in_with_slack else t.PAGE_BEARER)
    view = page.FormView(
        language=link.language,
        title=t.PAGE_TITLE.format(name=platform.name, environment=snapshot.environment),
        intro=t.PAGE_INTRO.format(name=platform.name, environment=snapshot.environment),
        destinations=_destinations(snapshot),
        who=tuple(who),
        fields=fields,
        csrf=csrf,
        development_vault=snapshot.vault_development_only,
        banner=tuple(banner or ()),
        shown=shown,
        expiry=_date_view(deps, snapshot, expires, date_error),
    )
    return Page(status, page.form_page(view, names))


def _date_view(deps: Deps, snapshot: Snapshot, typed: str | None, error: str | None) -> page.DateView | None:
    """The expiry date input, as the modal's date picker: pre-filled with the stored date or the
    platform rule's suggestion."""
    platform = snapshot.platform
    if not platform.credentials_required:
        return None
    if typed is None:
        suggested = expiry_rules.suggested(platform, deps.clock.now().date(), snapshot.expires_on)
        typed = suggested.isoformat() if suggested else ""
    hint = expiry_rules.rule_text(platform) or expiry_texts.PICKER_HINT
    return page.DateView(label=expiry_texts.PICKER_LABEL, hint=hint, value=typed, error=error)


def _destinations(snapshot: Snapshot) -> tuple[str, ...]:
    """The vault, and the secret each value goes to (one for all fields stored as one JSON)."""
    platform = snapshot.platform
    where = {"team_id": snapshot.team_id, "platform": platform.id, "environment": snapshot.environment}
    if platform.store_as_json:
        secret = secret_ids.secret_id(**where, field="credentials")
        return (snapshot.vault_label, t.PAGE_SECRET.format(secret=secret))
    lines = [
        t.PAGE_SECRET_FOR.format(fields=f.label, secret=secret_ids.secret_id(**where, field=f.key))
        for f in platform.credential_fields
    ]
    return (snapshot.vault_label, *lines)


def _done(deps: Deps, link: Link, saved: Snapshot) -> str:
    """Where the values went, in the summary's own words (current, or waiting for approval)."""
    platform = saved.platform
    title = t.PAGE_TITLE.format(name=platform.name, environment=saved.environment)
    lines = stored_text(saved).split("\n")
    return page.done_page(current_language(), title, lines, t.DONE_TEXT, links.names_of(deps, link))


__all__ = ["bad_request", "confirm_in_slack", "open_page", "submit_page", "too_large"]
