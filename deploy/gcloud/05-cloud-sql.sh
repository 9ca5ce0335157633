#!/usr/bin/env bash
# Step 5: Cloud SQL for PostgreSQL — an instance, the bot's database and its user — then the
# DATABASE_URL secret, which connects over the Cloud SQL unix socket Cloud Run mounts at
# /cloudsql/PROJECT:REGION:INSTANCE. Creating the instance takes several minutes.
# Safe to run again. RESET_DB_PASSWORD=true sets a new password and stores a new DATABASE_URL
# version (redeploy the service and jobs afterwards, 07- and 08-, so they read it).
set -euo pipefail
source "$(dirname "$0")/config.sh"
RESET_DB_PASSWORD="${RESET_DB_PASSWORD:-false}"
URL_SECRET="${SETTINGS_SECRETS[DATABASE_URL]}"

log "Cloud SQL instance ${SQL_INSTANCE} (${SQL_VERSION}, ${SQL_EDITION}, ${SQL_TIER}, ${REGION})"
if ! gc sql instances describe "${SQL_INSTANCE}" >/dev/null 2>&1; then
  # No authorized networks: Cloud Run reaches it through the Cloud SQL connector (IAM-checked,
  # encrypted), not over an open IP. The postgres user gets no password.
  gc sql instances create "${SQL_INSTANCE}" \
    --database-version="${SQL_VERSION}" --edition="${SQL_EDITION}" --tier="${SQL_TIER}" \
    --region="${REGION}" --availability-type=zonal \
    --storage-type=SSD --storage-size=10GB --storage-auto-increase \
    --backup-start-time=03:00 --enable-point-in-time-recovery \
    --deletion-protection
else
  echo "exists"
fi

log "database ${DB_NAME}"
if ! gc sql databases describe "${DB_NAME}" --instance="${SQL_INSTANCE}" >/dev/null 2>&1; then
  gc sql databases create "${DB_NAME}" --instance="${SQL_INSTANCE}"
else
  echo "exists"
fi

store_url() {  # $1 password; the URL goes to Secret Manager on stdin
  printf 'postgresql+psycopg://%s:%s@/%s?host=/cloudsql/%s' "${DB_USER}" "$1" "${DB_NAME}" "${SQL_CONNECTION}" \
    | gc secrets versions add "${URL_SECRET}" --data-file=- >/dev/null
  echo "stored DATABASE_URL in ${URL_SECRET}"
}

gc secrets describe "${URL_SECRET}" >/dev/null 2>&1 || { echo "run 04-secrets.sh first (${URL_SECRET} missing)" >&2; exit 1; }

log "user ${DB_USER}"
# URL-safe characters only, so the password needs no escaping inside DATABASE_URL. (gcloud takes
# it as an argument: run this from your own machine or Cloud Shell, not a shared host.)
new_password() { python3 -c 'import secrets; print(secrets.token_urlsafe(32))'; }
if [[ -z "$(gc sql users list --instance="${SQL_INSTANCE}" --filter="name=${DB_USER}" --format='value(name)')" ]]; then
  password="$(new_password)"
  gc sql users create "${DB_USER}" --instance="${SQL_INSTANCE}" --password="${password}"
  store_url "${password}"
elif [[ "${RESET_DB_PASSWORD}" == "true" ]]; then
  password="$(new_password)"
  gc sql users set-password "${DB_USER}" --instance="${SQL_INSTANCE}" --password="${password}"
  store_url "${password}"
elif [[ -z "$(gc secrets versions list "${URL_SECRET}" --filter='state=ENABLED' --limit=1 --format='value(name)')" ]]; then
  echo "user ${DB_USER} exists but ${URL_SECRET} has no value: rerun with RESET_DB_PASSWORD=true" >&2
  exit 1
else
  echo "exists; DATABASE_URL already stored"
fi
unset password
echo "connection name: ${SQL_CONNECTION}"
