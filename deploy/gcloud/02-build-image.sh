#!/usr/bin/env bash
# Step 2: an Artifact Registry repository (once), then build the image from the repository root
# with Cloud Build and push it there. Prints the image reference; later steps use the same tag
# (IMAGE_TAG defaults to the current git commit, so commit first or set IMAGE_TAG yourself).
set -euo pipefail
source "$(dirname "$0")/config.sh"

log "Artifact Registry repository ${AR_REPO} (${REGION})"
if ! gc artifacts repositories describe "${AR_REPO}" --location="${REGION}" >/dev/null 2>&1; then
  gc artifacts repositories create "${AR_REPO}" \
    --repository-format=docker --location="${REGION}" \
    --description="codat-register container images"
else
  echo "exists"
fi

log "building ${IMAGE} with Cloud Build"
# The build context is the repository root; .dockerignore keeps .git, .venv, tests, data, .env out.
gc builds submit "${REPO_ROOT}" --region="${REGION}" --tag="${IMAGE}"
echo "image: ${IMAGE}"
