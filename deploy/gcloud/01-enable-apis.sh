#!/usr/bin/env bash
# Step 1: turn on the Google Cloud APIs the deployment uses. Safe to run again.
set -euo pipefail
source "$(dirname "$0")/config.sh"

log "enabling APIs in ${PROJECT_ID}"
gc services enable \
  run.googleapis.com \
  artifactregistry.googleapis.com \
  cloudbuild.googleapis.com \
  secretmanager.googleapis.com \
  sqladmin.googleapis.com \
  cloudscheduler.googleapis.com \
  iam.googleapis.com \
  logging.googleapis.com
echo "done"
