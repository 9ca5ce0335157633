#!/usr/bin/env bash
# Step 3: the identities and their permissions.
#   codat-register             runs the service and the jobs: the write-only Secret Manager custom
#                              role (README > Secrets), Cloud SQL Client; secretAccessor is granted
#                              per settings secret in 04-secrets.sh, never project-wide.
#   codat-register-scheduler   lets Cloud Scheduler start the sweep job (granted in 08-sweep-job.sh).
# Safe to run again: existing accounts are kept, the role's permissions are brought up to date.
set -euo pipefail
source "$(dirname "$0")/config.sh"

ensure_sa() {
  local name="$1" display="$2"
  if ! gc iam service-accounts describe "${name}@${PROJECT_ID}.iam.gserviceaccount.com" >/dev/null 2>&1; then
    gc iam service-accounts create "${name}" --display-name="${display}"
  else
    echo "service account ${name} exists"
  fi
}

log "service accounts"
ensure_sa "${RUNTIME_SA_NAME}" "codat-register Slack bot"
ensure_sa "${SCHEDULER_SA_NAME}" "codat-register sweep trigger (Cloud Scheduler)"

# (iam roles commands take --project as the role's parent, so they call gcloud directly.)
# Exactly these permissions: create secrets, add versions, update a secret's metadata (the expiry
# date: annotation expires-at and, with ROTATION_TOPIC, the rotation schedule; without it the bot
# still keeps and reminds the date). No versions.access, no secrets.get, never
# roles/secretmanager.admin. Four eyes (PRODUCTION_APPROVALS above 0) keeps a production
# version disabled until approved, then enables it: versions.disable and versions.enable.
# versions.disable also with DISABLE_PREVIOUS_VERSIONS=true.
PERMISSIONS="secretmanager.secrets.create,secretmanager.versions.add,secretmanager.secrets.update"
if [[ "${PRODUCTION_APPROVALS}" != "0" ]]; then
  PERMISSIONS+=",secretmanager.versions.disable,secretmanager.versions.enable"
elif [[ "${DISABLE_PREVIOUS_VERSIONS}" == "true" ]]; then
  PERMISSIONS+=",secretmanager.versions.disable"
fi

log "custom role ${WRITER_ROLE} (${PERMISSIONS})"
if ! gcloud --quiet iam roles describe "${WRITER_ROLE_ID}" --project="${PROJECT_ID}" >/dev/null 2>&1; then
  gcloud --quiet iam roles create "${WRITER_ROLE_ID}" --project="${PROJECT_ID}" \
    --title="codat-register (write-only secrets)" \
    --description="Create secrets, add versions, update their metadata; cannot read, list or delete them" \
    --permissions="${PERMISSIONS}" --stage=GA
else
  # A deleted custom role stays deleted for 7 days before its id can be reused: undelete it.
  if [[ "$(gcloud --quiet iam roles describe "${WRITER_ROLE_ID}" --project="${PROJECT_ID}" --format='value(deleted)')" == "True" ]]; then
    gcloud --quiet iam roles undelete "${WRITER_ROLE_ID}" --project="${PROJECT_ID}"
  fi
  gcloud --quiet iam roles update "${WRITER_ROLE_ID}" --project="${PROJECT_ID}" --permissions="${PERMISSIONS}" >/dev/null
  echo "updated"
fi

log "project bindings for ${RUNTIME_SA}"
for role in "${WRITER_ROLE}" roles/cloudsql.client; do
  gc projects add-iam-policy-binding "${PROJECT_ID}" \
    --member="serviceAccount:${RUNTIME_SA}" --role="${role}" --condition=None >/dev/null
  echo "bound ${role}"
done
echo "done"
