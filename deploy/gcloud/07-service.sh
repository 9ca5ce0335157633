#!/usr/bin/env bash
# Step 7 (and every release, after 06-migrate.sh): the Cloud Run service — the web tier that
# serves Slack's requests. RUN_SCHEDULER=false: reminders come from the sweep job (08-), so the
# service may scale to any number of instances and workers.
#
# --allow-unauthenticated / --ingress=all: Slack's requests carry no Google identity, so Cloud Run
#   must let them in; the bot itself rejects any request without a valid Slack signature.
# --no-cpu-throttling: the bot acks Slack first and does the slow work (modals, DMs, vault writes)
#   right after, in background threads; with request-only CPU that work would stall after the ack.
# --min-instances: 0 is fine once the sweep is a job (nothing needs a warm instance between
#   requests), but a cold start (container start + first database connection) can exceed Slack's
#   3-second ack window, and Slack then shows the person an error. 1 keeps one instance warm.
set -euo pipefail
source "$(dirname "$0")/config.sh"

resolve_public_url   # Cloud Run's deterministic URL unless PUBLIC_URL is set (09-check.sh probes it)

env_file="$(mktemp)"; trap 'rm -f "${env_file}"' EXIT
write_env_file service "${env_file}"

log "service ${SERVICE} -> ${IMAGE}"
gc run deploy "${SERVICE}" --region="${REGION}" \
  --image="${IMAGE}" --service-account="${RUNTIME_SA}" \
  --allow-unauthenticated --ingress=all \
  --port=8080 --timeout=60s \
  --cpu="${CPU}" --memory="${MEMORY}" --no-cpu-throttling --cpu-boost \
  --execution-environment=gen2 \
  --concurrency="${CONCURRENCY}" --min-instances="${MIN_INSTANCES}" --max-instances="${MAX_INSTANCES}" \
  --startup-probe=httpGet.path=/readyz,httpGet.port=8080,periodSeconds=3,timeoutSeconds=2,failureThreshold=20 \
  --liveness-probe=httpGet.path=/healthz,httpGet.port=8080,periodSeconds=30,timeoutSeconds=5,failureThreshold=3 \
  --set-cloudsql-instances="${SQL_CONNECTION}" \
  --env-vars-file="${env_file}" --set-secrets="$(secrets_flag)" \
  --labels=app=codat-register

URL="$(gc run services describe "${SERVICE}" --region="${REGION}" --format='value(status.url)')"

cat <<MSG

Service URL: ${URL}
PUBLIC_URL:  ${PUBLIC_URL}   (both reach the same service; the bot uses PUBLIC_URL)
In the Slack app (https://api.slack.com/apps > your app > App Manifest), set these three to
  ${PUBLIC_URL}/slack/events
  - features.slash_commands[0].url
  - settings.event_subscriptions.request_url
  - settings.interactivity.request_url
then save; Slack verifies the events URL at once. Check the deployment with 09-check.sh.
MSG
