#!/usr/bin/env bash
# Settings shared by every script in deploy/gcloud/. Sourced, not run. Override any of them from
# the environment, e.g.:  PROJECT_ID=my-project REGION=europe-west2 deploy/gcloud/01-enable-apis.sh
# Nothing here is secret: secret values are typed at a prompt (04-secrets.sh) or generated.

# --- where ----------------------------------------------------------------------------------
PROJECT_ID="${PROJECT_ID:-}"                      # required: the Google Cloud project id
REGION="${REGION:-europe-west1}"                  # Cloud Run, Cloud SQL, Artifact Registry, Scheduler

# --- names ----------------------------------------------------------------------------------
SERVICE="${SERVICE:-codat-register}"              # Cloud Run service (the web tier)
MIGRATE_JOB="${MIGRATE_JOB:-codat-register-migrate}"
SWEEP_JOB="${SWEEP_JOB:-codat-register-sweep}"
SCHEDULER_JOB="${SCHEDULER_JOB:-codat-register-sweep}"
AR_REPO="${AR_REPO:-codat-register}"              # Artifact Registry (Docker) repository
IMAGE_NAME="${IMAGE_NAME:-codat-register}"
RUNTIME_SA_NAME="${RUNTIME_SA_NAME:-codat-register}"            # the bot's identity (README > Secrets)
SCHEDULER_SA_NAME="${SCHEDULER_SA_NAME:-codat-register-scheduler}"  # may only run the sweep job
WRITER_ROLE_ID="${WRITER_ROLE_ID:-codatRegisterWriter}"         # the write-only custom role

# --- Cloud SQL for PostgreSQL -----------------------------------------------------------------
SQL_INSTANCE="${SQL_INSTANCE:-codat-register-pg}"
SQL_VERSION="${SQL_VERSION:-POSTGRES_16}"
SQL_EDITION="${SQL_EDITION:-enterprise}"          # enterprise allows the small shared-core tiers
SQL_TIER="${SQL_TIER:-db-g1-small}"               # about 50 connections; see deploy/README.md
DB_NAME="${DB_NAME:-codat_register}"
DB_USER="${DB_USER:-codat_register}"

# --- web tier ---------------------------------------------------------------------------------
MIN_INSTANCES="${MIN_INSTANCES:-1}"               # 1 avoids cold starts past Slack's 3 s ack window
MAX_INSTANCES="${MAX_INSTANCES:-2}"               # keep instances x WEB_WORKERS x WEB_THREADS < DB connections
CPU="${CPU:-1}"
MEMORY="${MEMORY:-512Mi}"
WEB_WORKERS="${WEB_WORKERS:-1}"                   # one gunicorn worker per vCPU
WEB_THREADS="${WEB_THREADS:-16}"
CONCURRENCY="${CONCURRENCY:-$((WEB_WORKERS * WEB_THREADS))}"   # requests per instance

# --- bot settings (README > Settings) ---------------------------------------------------------
LOG_LEVEL="${LOG_LEVEL:-INFO}"
METRICS_ENABLED="${METRICS_ENABLED:-true}"
SECRET_REPLICATION_LOCATIONS="${SECRET_REPLICATION_LOCATIONS:-}"   # e.g. europe-west1,europe-west4
DISABLE_PREVIOUS_VERSIONS="${DISABLE_PREVIOUS_VERSIONS:-false}"    # true adds versions.disable to the role
PRODUCTION_APPROVALS="${PRODUCTION_APPROVALS:-1}"                  # above 0 adds versions.disable and .enable
ENABLE_CODAT_API_KEY="${ENABLE_CODAT_API_KEY:-false}"              # true: a CODAT_API_KEY secret too

# --- reminder sweep ---------------------------------------------------------------------------
SWEEP_SCHEDULE="${SWEEP_SCHEDULE:-* * * * *}"     # every minute
SWEEP_TIME_ZONE="${SWEEP_TIME_ZONE:-Etc/UTC}"
SWEEP_TASK_TIMEOUT="${SWEEP_TASK_TIMEOUT:-540s}"  # below REMINDER_CLAIM_LEASE_SECONDS (600)

# --- image ------------------------------------------------------------------------------------
IMAGE_TAG="${IMAGE_TAG:-$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --short=12 HEAD 2>/dev/null || date -u +%Y%m%d%H%M%S)}"

# ----------------------------------------------------------------------------------------------
# Derived values: do not edit below this line.
if [[ -z "${PROJECT_ID}" ]]; then
  PROJECT_ID="$(gcloud config get-value project 2>/dev/null || true)"
fi
if [[ -z "${PROJECT_ID}" || "${PROJECT_ID}" == "(unset)" ]]; then
  echo "PROJECT_ID is not set: export PROJECT_ID=your-project (or gcloud config set project …)" >&2
  exit 2
fi
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUNTIME_SA="${RUNTIME_SA_NAME}@${PROJECT_ID}.iam.gserviceaccount.com"
SCHEDULER_SA="${SCHEDULER_SA_NAME}@${PROJECT_ID}.iam.gserviceaccount.com"
WRITER_ROLE="projects/${PROJECT_ID}/roles/${WRITER_ROLE_ID}"
IMAGE_REPO="${REGION}-docker.pkg.dev/${PROJECT_ID}/${AR_REPO}/${IMAGE_NAME}"
IMAGE="${IMAGE:-${IMAGE_REPO}:${IMAGE_TAG}}"
SQL_CONNECTION="${PROJECT_ID}:${REGION}:${SQL_INSTANCE}"

# The bot's own settings kept in Secret Manager: environment variable -> secret id. The ids use
# hyphens, so they can never collide with the ids the bot creates for credentials, which always
# start with "codat-register_" (storage/vault/secret_ids.py).
declare -A SETTINGS_SECRETS=(
  [SLACK_BOT_TOKEN]="codat-register-slack-bot-token"
  [SLACK_SIGNING_SECRET]="codat-register-slack-signing-secret"
  [FINGERPRINT_KEY]="codat-register-fingerprint-key"
  [DATABASE_URL]="codat-register-database-url"
)
SETTINGS_ORDER=(SLACK_BOT_TOKEN SLACK_SIGNING_SECRET FINGERPRINT_KEY DATABASE_URL)
if [[ "${ENABLE_CODAT_API_KEY}" == "true" ]]; then
  SETTINGS_SECRETS[CODAT_API_KEY]="codat-register-codat-api-key"
  SETTINGS_ORDER+=(CODAT_API_KEY)
fi

gc() { gcloud --project="${PROJECT_ID}" --quiet "$@"; }

# PUBLIC_URL: the bot's public HTTPS base URL (the one in the Slack manifest). Unless set, Cloud
# Run's deterministic service URL https://SERVICE-PROJECT_NUMBER.REGION.run.app, known before the
# first deploy; 07-service.sh compares it with the real URL.
resolve_public_url() {
  if [[ -z "${PUBLIC_URL:-}" ]]; then
    local number
    number="$(gc projects describe "${PROJECT_ID}" --format='value(projectNumber)')"
    PUBLIC_URL="https://${SERVICE}-${number}.${REGION}.run.app"
  fi
}
log() { printf '\n== %s\n' "$*"; }

# --set-secrets value: ENV=secret:latest,… (every settings secret, mounted as an env var)
secrets_flag() {
  local name out=""
  for name in "${SETTINGS_ORDER[@]}"; do
    out+="${out:+,}${name}=${SETTINGS_SECRETS[$name]}:latest"
  done
  printf '%s' "${out}"
}

# An --env-vars-file (YAML) with the plain settings; $1 = service|job, $2 = output file.
write_env_file() {
  local kind="$1" file="$2"
  {
    echo "APP_ENV: \"production\""
    echo "LOG_FORMAT: \"json\""
    echo "LOG_LEVEL: \"${LOG_LEVEL}\""
    echo "GCP_PROJECT_ID: \"${PROJECT_ID}\""
    echo "RUN_SCHEDULER: \"false\""
    echo "DISABLE_PREVIOUS_VERSIONS: \"${DISABLE_PREVIOUS_VERSIONS}\""
    echo "PRODUCTION_APPROVALS: \"${PRODUCTION_APPROVALS}\""
    if [[ -n "${PUBLIC_URL:-}" ]]; then
      echo "PUBLIC_URL: \"${PUBLIC_URL}\""
    fi
    if [[ -n "${SECRET_REPLICATION_LOCATIONS}" ]]; then
      echo "SECRET_REPLICATION_LOCATIONS: \"${SECRET_REPLICATION_LOCATIONS}\""
    fi
    if [[ "${kind}" == "service" ]]; then
      echo "WEB_WORKERS: \"${WEB_WORKERS}\""
      echo "WEB_THREADS: \"${WEB_THREADS}\""
      echo "METRICS_ENABLED: \"${METRICS_ENABLED}\""
    else
      echo "METRICS_ENABLED: \"false\""   # nothing scrapes a one-shot job
    fi
  } > "${file}"
}
