#!/usr/bin/env bash
# Step 4: the bot's own settings as Secret Manager secrets, each readable by the runtime service
# account only (secretAccessor on that secret, never on the project):
#   SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET   typed at a hidden prompt (see the Slack app's pages)
#   FINGERPRINT_KEY                          generated once; keep it stable
#   DATABASE_URL                             written by 05-cloud-sql.sh
#   CODAT_API_KEY                            only with ENABLE_CODAT_API_KEY=true, typed at a prompt
# A secret that already has an enabled version is left alone. To replace a value later (no
# trailing newline, nothing in the shell history), then redeploy (07-, and 06-/08- for the jobs):
#   read -rs V && printf %s "$V" | gcloud secrets versions add SECRET_ID --data-file=- ; unset V
set -euo pipefail
source "$(dirname "$0")/config.sh"

replication_flags=(--replication-policy=automatic)
if [[ -n "${SECRET_REPLICATION_LOCATIONS}" ]]; then
  replication_flags=(--replication-policy=user-managed --locations="${SECRET_REPLICATION_LOCATIONS}")
fi

has_version() {
  [[ -n "$(gc secrets versions list "$1" --filter='state=ENABLED' --limit=1 --format='value(name)' 2>/dev/null)" ]]
}

add_version_from_stdin() {  # $1 secret id; the value arrives on stdin, never on a command line
  gc secrets versions add "$1" --data-file=- >/dev/null
  echo "added a version to $1"
}

prompt_value() {  # $1 env name; prints the value typed at a hidden prompt
  local value
  if [[ ! -t 0 ]]; then
    echo "$1 has no value yet and this shell is not interactive: run this script in a terminal," >&2
    echo "or add it yourself: read -rs V && printf %s \"\$V\" | gcloud secrets versions add ${SETTINGS_SECRETS[$1]} --data-file=- ; unset V" >&2
    exit 1
  fi
  read -rs -p "$1 (input hidden): " value; echo >&2
  printf '%s' "${value}"
}

for name in "${SETTINGS_ORDER[@]}"; do
  id="${SETTINGS_SECRETS[$name]}"
  log "${name} -> secret ${id}"
  if ! gc secrets describe "${id}" >/dev/null 2>&1; then
    gc secrets create "${id}" "${replication_flags[@]}" \
      --labels="app=codat-register,purpose=settings"
  else
    echo "secret exists"
  fi
  gc secrets add-iam-policy-binding "${id}" \
    --member="serviceAccount:${RUNTIME_SA}" --role=roles/secretmanager.secretAccessor \
    --condition=None >/dev/null
  echo "${RUNTIME_SA} may read ${id}"

  if has_version "${id}"; then
    echo "has a value (left as it is)"
    continue
  fi
  case "${name}" in
    FINGERPRINT_KEY)
      python3 -c 'import secrets, sys; sys.stdout.write(secrets.token_hex(32))' | add_version_from_stdin "${id}"
      ;;
    DATABASE_URL)
      echo "no value yet: 05-cloud-sql.sh writes it"
      ;;
    SLACK_BOT_TOKEN)
      value="$(prompt_value "${name}")"
      [[ "${value}" == xoxb-* ]] || { echo "SLACK_BOT_TOKEN must start with xoxb- (OAuth & Permissions > Bot User OAuth Token)" >&2; exit 1; }
      printf '%s' "${value}" | add_version_from_stdin "${id}"
      unset value
      ;;
    *)
      value="$(prompt_value "${name}")"
      [[ -n "${value}" ]] || { echo "${name} is empty" >&2; exit 1; }
      printf '%s' "${value}" | add_version_from_stdin "${id}"
      unset value
      ;;
  esac
done
echo "done"
