#!/usr/bin/env bash
# Step 8 (and every release): the reminder sweep as a Cloud Run job (`python app.py sweep`: one
# sweep, exit 0), started every minute by Cloud Scheduler with an OAuth token of its own service
# account, which may run this job and nothing else. Overlapping runs are safe: each due item is
# claimed by exactly one sweep (README > Follow-ups > Several replicas).
set -euo pipefail
source "$(dirname "$0")/config.sh"

env_file="$(mktemp)"; trap 'rm -f "${env_file}"' EXIT
resolve_public_url
write_env_file job "${env_file}"

log "job ${SWEEP_JOB} -> ${IMAGE}"
# No retries: the next minute's run picks up whatever this one left (claims expire after their
# lease). The task timeout stays below REMINDER_CLAIM_LEASE_SECONDS (600 s by default).
gc run jobs deploy "${SWEEP_JOB}" --region="${REGION}" \
  --image="${IMAGE}" --service-account="${RUNTIME_SA}" \
  --args=python,app.py,sweep \
  --tasks=1 --max-retries=0 --task-timeout="${SWEEP_TASK_TIMEOUT}" --cpu=1 --memory=512Mi \
  --set-cloudsql-instances="${SQL_CONNECTION}" \
  --env-vars-file="${env_file}" --set-secrets="$(secrets_flag)" \
  --labels=app=codat-register

log "${SCHEDULER_SA} may run ${SWEEP_JOB} (roles/run.invoker on the job only)"
gc run jobs add-iam-policy-binding "${SWEEP_JOB}" --region="${REGION}" \
  --member="serviceAccount:${SCHEDULER_SA}" --role=roles/run.invoker >/dev/null
echo "bound"

RUN_URI="https://${REGION}-run.googleapis.com/apis/run.googleapis.com/v1/namespaces/${PROJECT_ID}/jobs/${SWEEP_JOB}:run"
schedule_flags=(
  --location="${REGION}" --schedule="${SWEEP_SCHEDULE}" --time-zone="${SWEEP_TIME_ZONE}"
  --uri="${RUN_URI}" --http-method=POST
  --oauth-service-account-email="${SCHEDULER_SA}"
  --oauth-token-scope=https://www.googleapis.com/auth/cloud-platform
  --attempt-deadline=60s
)
log "Cloud Scheduler job ${SCHEDULER_JOB} (${SWEEP_SCHEDULE}, ${SWEEP_TIME_ZONE})"
if gc scheduler jobs describe "${SCHEDULER_JOB}" --location="${REGION}" >/dev/null 2>&1; then
  gc scheduler jobs update http "${SCHEDULER_JOB}" "${schedule_flags[@]}"
else
  gc scheduler jobs create http "${SCHEDULER_JOB}" "${schedule_flags[@]}" \
    --description="codat-register: one reminder sweep a minute"
fi
echo "done: executions appear under: gcloud run jobs executions list --job=${SWEEP_JOB} --region=${REGION}"
