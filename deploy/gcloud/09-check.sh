#!/usr/bin/env bash
# Step 9: is it up? /healthz (the process answers), /readyz (database and vault configured), an
# unsigned POST refused, the last sweep executions, and recent warnings in Cloud Logging.
set -euo pipefail
source "$(dirname "$0")/config.sh"
status=0

resolve_public_url
URL="${PUBLIC_URL}"
echo "service: ${URL} (PUBLIC_URL; the service's own URL: $(gc run services describe "${SERVICE}" --region="${REGION}" --format='value(status.url)'))"

probe() {  # $1 label, $2 expected status, then curl arguments
  local label="$1" want="$2" got; shift 2
  got="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" || true)"
  if [[ "${got}" == "${want}" ]]; then echo "ok    ${label}: ${got}"; else echo "FAIL  ${label}: ${got} (want ${want})"; status=1; fi
}
probe "GET /healthz" 200 "${URL}/healthz"
probe "GET /readyz" 200 "${URL}/readyz"
probe "unsigned POST /slack/events is refused" 401 -X POST -d 'command=/codat-register&text=help' "${URL}/slack/events"

log "last executions of ${SWEEP_JOB} (one a minute)"
gc run jobs executions list --job="${SWEEP_JOB}" --region="${REGION}" --limit=5 || status=1

log "warnings and errors of the last hour (service and jobs)"
gc logging read \
  "severity>=WARNING AND ((resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${SERVICE}\") OR (resource.type=\"cloud_run_job\" AND resource.labels.job_name=(\"${SWEEP_JOB}\" OR \"${MIGRATE_JOB}\")))" \
  --freshness=1h --limit=20 --format='table(timestamp, severity, resource.type, jsonPayload.message)' || status=1

echo
echo "All logs: https://console.cloud.google.com/logs/query;query=resource.labels.service_name%3D%22${SERVICE}%22?project=${PROJECT_ID}"
exit "${status}"
