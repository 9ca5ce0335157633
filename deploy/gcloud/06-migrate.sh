#!/usr/bin/env bash
# Step 6 (and before every release): the migration job — `python app.py migrate` from the image
# being released — then one execution of it, waiting for the result. The schema is upgraded
# under a PostgreSQL advisory lock, so a second run (or a serving replica starting meanwhile)
# waits instead of racing. A failed migration stops here, before the new service revision.
set -euo pipefail
source "$(dirname "$0")/config.sh"

env_file="$(mktemp)"; trap 'rm -f "${env_file}"' EXIT
resolve_public_url
write_env_file job "${env_file}"

log "job ${MIGRATE_JOB} -> ${IMAGE}"
# --args replaces the image's CMD and keeps its ENTRYPOINT (tini): do not use --command here.
gc run jobs deploy "${MIGRATE_JOB}" --region="${REGION}" \
  --image="${IMAGE}" --service-account="${RUNTIME_SA}" \
  --args=python,app.py,migrate \
  --tasks=1 --max-retries=0 --task-timeout=600s --cpu=1 --memory=512Mi \
  --set-cloudsql-instances="${SQL_CONNECTION}" \
  --env-vars-file="${env_file}" --set-secrets="$(secrets_flag)" \
  --labels=app=codat-register

log "running ${MIGRATE_JOB}"
gc run jobs execute "${MIGRATE_JOB}" --region="${REGION}" --wait
echo "schema is up to date"
