"""The secure credentials page: credentials typed into the bot's own web page, never into Slack.

Block Kit has no masked input and a modal's state travels through Slack's servers, so with
PUBLIC_URL set the credentials step offers a one-time link (SECRET_INTAKE=both: beside the modal's
inputs; link: instead of them). Slack only ever carries the pointer.

- `tokens`: the link's token (public id + ≥128-bit secret, stored only as SHA-256), CSRF tokens,
  sign-in state and sessions — random values, hashed the same way.
- `offer`: the modal's "Enter on a secure page" button: the policy, a new link, the modal updated
  with it in place.
- `links`: a link as a request meets it — usable, or the page that says why not (404, 410),
  logged without its token and audited.
- `intake`: what the page answers — the form, a submission (through the wizard's own credentials
  submission: bot.wizard.flow.submit_credentials), the show toggle — as a `reply.Page` the HTTP
  edge (handlers.secure_page) sends; the claim that makes a link single-use is storage's
  (storage.secure_links).
- `sign_in`: Sign in with Slack (OpenID Connect) when SLACK_CLIENT_ID / SLACK_CLIENT_SECRET are set.
- `page`: the HTML (plain HTML and one hashed inline style: no script, nothing from elsewhere);
  `views`: its blocks in the modal; `texts`: every text; `ids`: ids, paths, form and cookie names.
"""
