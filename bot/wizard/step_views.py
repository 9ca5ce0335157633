"""Steps 2–4 of the registration wizard, each rendered from a Snapshot (step 5, the summary, and
the closing DM: bot.wizard.summary_views).

Secret inputs are never pre-filled: a stored field shows only its fingerprint. Saved non-secret
answers (mailbox, agreements, owners, due dates, ticked items) are pre-filled on resume.
"""

from __future__ import annotations

from typing import Any

from bot.catalogue import UNKNOWN, CredentialField
from bot.expiry import views as expiry_views
from bot.registrations.checklist import ENABLED_IN_CODAT, Phase
from bot.secure_page import views as secure_views
from bot.secure_page.views import LinkOffer
from bot.slack.blocks import (
    Block,
    context,
    divider,
    email_input,
    input_block,
    plain_text_input,
    section,
    users_select,
)
from bot.wizard import texts as t
from bot.wizard.ids import ActionId, BlockId, Metadata, Step, credential_block
from bot.wizard.snapshot import Snapshot, mailbox_applies
from bot.wizard.steps import PORTAL_ACCOUNT
from bot.wizard.summary_views import summary_view
from bot.wizard.views import assignment_blocks, checkbox_blocks, gone_view, modal, radio, step_header
from core.settings import SecretIntake
from storage.statuses import ItemStatus

DETAILS_MAX = 2000
WHERE_MAX = 300


def view_at(snapshot: Snapshot | None, step: str | None = None) -> dict[str, Any]:
    """The modal at the registration's saved step, or at an earlier `step` to edit it."""
    if snapshot is None:
        return gone_view()
    wanted = Step(step) if step and step in Step.__members__ and step != Step.platform else snapshot.step
    return step_view(snapshot, wanted, editing=wanted.passed(snapshot.step))


def step_view(snapshot: Snapshot, step: Step, *, editing: bool = False) -> dict[str, Any]:
    """The modal for `step` of this registration (step 1 is bot.wizard.views.picker_view)."""
    builders = {
        Step.prerequisites: prerequisites_view,
        Step.registration: registration_view,
        Step.credentials: credentials_view,
    }
    if step in builders:
        return builders[step](snapshot, editing=editing)
    return summary_view(snapshot)


def _metadata(snapshot: Snapshot, step: Step, editing: bool) -> Metadata:
    return Metadata(step, snapshot.registration_id, editing)


def _submit(editing: bool, default: str = t.SUBMIT_NEXT) -> str:
    return t.SUBMIT_SAVE if editing else default


def prerequisites_view(snapshot: Snapshot, *, editing: bool = False) -> dict[str, Any]:
    answers = snapshot.answers.get("prerequisites", {})
    name = snapshot.platform.name
    details = plain_text_input(
        ActionId.agreements_details,
        multiline=True,
        max_length=DETAILS_MAX,
        initial_value=answers.get("details"),
    )
    where = plain_text_input(
        ActionId.vault_where, max_length=WHERE_MAX, initial_value=answers.get("vault_where")
    )
    vault = answers.get("vault") or ("approved" if snapshot.done("vault_approved") else None)
    blocks: list[Block] = [
        *step_header(snapshot, Step.prerequisites, editing),
        section(t.PREREQ_INTRO),
        input_block(
            BlockId.agreements,
            t.AGREEMENTS_LABEL.format(name=name),
            radio(ActionId.agreements, t.AGREEMENTS_OPTIONS, answers.get("agreements")),
        ),
        input_block(
            BlockId.agreements_details,
            t.AGREEMENTS_DETAILS_LABEL,
            details,
            hint=t.AGREEMENTS_DETAILS_HINT,
            optional=True,
        ),
        input_block(
            BlockId.relationship_owner,
            t.RELATIONSHIP_OWNER_LABEL,
            users_select(ActionId.relationship_owner, answers.get("relationship_owner")),
            optional=True,
        ),
        *checkbox_blocks(
            BlockId.contacted,
            ActionId.contacted,
            t.CONTACTED_LABEL,
            [("contacted", t.CONTACTED_OPTION)],
            {"contacted"} if snapshot.done("contact_owner") else set(),
        ),
        input_block(
            BlockId.vault_status, t.VAULT_LABEL, radio(ActionId.vault_status, t.VAULT_OPTIONS, vault)
        ),
        input_block(
            BlockId.vault_where,
            t.VAULT_WHERE_LABEL,
            where,
            hint=t.VAULT_WHERE_HINT.format(location=snapshot.vault_label),
            optional=True,
        ),
        divider(),
        *assignment_blocks(Step.prerequisites, *snapshot.assignment_defaults(Step.prerequisites)),
    ]
    return modal(
        title=t.TITLE_STEPS[Step.prerequisites],
        blocks=blocks,
        metadata=_metadata(snapshot, Step.prerequisites, editing),
        submit=_submit(editing),
    )


def registration_choices(snapshot: Snapshot) -> list[tuple[str, str]]:
    choices = [("review_requirements", t.CHECK_REVIEWED), ("engage_specialist", t.CHECK_SPECIALIST)]
    if mailbox_applies(snapshot):
        choices.append((PORTAL_ACCOUNT, t.CHECK_PORTAL))
    base = {"review_requirements", "engage_specialist", "register_generic_mailbox"}
    choices += [(i.key, i.title) for i in snapshot.items_of(Phase.registration) if i.key not in base]
    return choices


def registration_view(snapshot: Snapshot, *, editing: bool = False) -> dict[str, Any]:
    platform, environment = snapshot.platform, snapshot.environment
    answers = snapshot.answers.get("registration", {})
    blocks: list[Block] = [*step_header(snapshot, Step.registration, editing)]
    if mailbox_applies(snapshot):
        blocks.append(section(t.REGISTRATION_INTRO.format(name=platform.name)))
        required = platform.requires_generic_mailbox
        hint = t.MAILBOX_HINT_REQUIRED.format(name=platform.name) if required else t.MAILBOX_HINT
        mailbox = email_input(
            ActionId.mailbox, initial_value=answers.get("mailbox"), placeholder=t.MAILBOX_PLACEHOLDER
        )
        label = t.MAILBOX_LABEL.format(name=platform.name)
        blocks.append(input_block(BlockId.mailbox, label, mailbox, hint=hint, optional=not required))
    else:
        blocks.append(section(t.REGISTRATION_NOT_NEEDED.format(name=platform.name)))
    uri = platform.redirect_uri_for(environment)
    if uri == UNKNOWN:
        text = t.REDIRECT_URI_UNKNOWN.format(environment=environment)
        blocks.append(section(text, block_id=BlockId.redirect_uri))
    elif uri:
        text = t.REDIRECT_URI.format(environment=environment, name=platform.name, uri=uri)
        blocks.append(section(text, block_id=BlockId.redirect_uri))
    checked = {i.key for i in snapshot.items_of(Phase.registration) if i.status == ItemStatus.done}
    if answers.get(PORTAL_ACCOUNT):
        checked.add(PORTAL_ACCOUNT)
    blocks += checkbox_blocks(
        BlockId.registration_checks,
        ActionId.registration_checks,
        t.REGISTRATION_CHECKS_LABEL,
        registration_choices(snapshot),
        checked,
    )
    blocks += [
        divider(),
        *assignment_blocks(Step.registration, *snapshot.assignment_defaults(Step.registration)),
    ]
    return modal(
        title=t.TITLE_STEPS[Step.registration],
        blocks=blocks,
        metadata=_metadata(snapshot, Step.registration, editing),
        submit=_submit(editing),
    )


def credential_choices(snapshot: Snapshot) -> list[tuple[str, str]]:
    """Ticked credential-phase items: the platform's extras, and 'found out' when the docs are silent."""
    choices = [
        (i.key, i.title)
        for i in snapshot.items_of(Phase.credentials)
        if i.key not in ("retrieve_credentials", ENABLED_IN_CODAT)  # Codat ticks its own
    ]
    if not snapshot.platform.credentials_known:
        choices.insert(0, ("retrieve_credentials", t.CHECK_FOUND_OUT))
    return choices


def credential_hints(snapshot: Snapshot, credential: CredentialField) -> list[str]:
    """What an input of a credential says under it (the modal's, the secure page's): the stored
    value's fingerprint, where to find the value, Codat's box for it."""
    fingerprint = snapshot.fingerprint_for(credential)
    hints = []
    if fingerprint:
        hints.append(t.CREDENTIALS_STORED_HINT.format(fingerprint=fingerprint))
    if credential.hint:
        hints.append(credential.hint)
    if credential.codat_field:
        hints.append(t.CREDENTIALS_CODAT_FIELD.format(codat_field=credential.codat_field))
    return hints


def credential_optional(snapshot: Snapshot, credential: CredentialField) -> bool:
    """Whether a credential may be left empty: optional, or stored already (empty keeps it)."""
    return not credential.required or snapshot.fingerprint_for(credential) is not None


def credential_input(snapshot: Snapshot, credential: CredentialField) -> Block:
    hints = credential_hints(snapshot, credential)
    label = credential.label + (t.CREDENTIALS_SECRET_SUFFIX if credential.secret else "")
    # Never an initial_value: what was typed must not come back from Slack's servers.
    element = plain_text_input(ActionId.credential)
    optional = credential_optional(snapshot, credential)
    return input_block(
        credential_block(credential.key), label, element, hint=" ".join(hints), optional=optional
    )


def credentials_view(
    snapshot: Snapshot, *, editing: bool = False, secure_link: LinkOffer | None = None
) -> dict[str, Any]:
    """Step 4. With SECRET_INTAKE=both the credential inputs and the secure page's button; with
    `link` the button only (and `secure_link`, once the person asked for one)."""
    platform = snapshot.platform
    blocks: list[Block] = [*step_header(snapshot, Step.credentials, editing)]
    link_only = snapshot.secret_intake is SecretIntake.link
    if platform.credentials_required:
        where = {"environment": snapshot.environment, "name": platform.name, "location": snapshot.vault_label}
        intro = secure_views.intro_text(**where) if link_only else t.CREDENTIALS_INTRO.format(**where)
        blocks.append(section(intro, block_id=BlockId.credentials_intro))
        if snapshot.vault_development_only:
            blocks.append(context(t.CREDENTIALS_DEV_VAULT))
        if not link_only:
            blocks += [credential_input(snapshot, credential) for credential in platform.credential_fields]
        blocks.append(expiry_views.picker_block(snapshot))
        if snapshot.secret_intake is not SecretIntake.modal:
            blocks += secure_views.offer_blocks(snapshot.vault_label, link_only=link_only, link=secure_link)
    else:
        reason = platform.no_credentials_reason or ""
        text = t.CREDENTIALS_NONE.format(name=platform.name, reason=reason)
        blocks.append(section(text, block_id=BlockId.credentials_intro))
    choices = credential_choices(snapshot)
    if choices:
        checked = {i.key for i in snapshot.items_of(Phase.credentials) if i.status == ItemStatus.done}
        blocks += checkbox_blocks(
            BlockId.credential_checks,
            ActionId.credential_checks,
            t.CREDENTIALS_CHECKS_LABEL,
            choices,
            checked,
        )
        blocks += [
            divider(),
            *assignment_blocks(Step.credentials, *snapshot.assignment_defaults(Step.credentials)),
        ]
    submit = t.SUBMIT_CREDENTIALS if platform.credentials_required and not link_only else t.SUBMIT_NEXT
    has_inputs = any(block["type"] == "input" for block in blocks)
    return modal(
        title=t.TITLE_STEPS[Step.credentials],
        blocks=blocks,
        metadata=_metadata(snapshot, Step.credentials, editing),
        # Nothing to submit when the secure page takes every input: it moves the modal on itself.
        submit=_submit(editing, submit) if has_inputs else None,
    )
