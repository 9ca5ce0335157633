#!/usr/bin/env bash
# First deployment, end to end: every step in order (each is safe to run again on its own).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "${here}/config.sh"   # fails early when PROJECT_ID is missing
export PROJECT_ID REGION IMAGE_TAG
for step in 01-enable-apis 02-build-image 03-service-accounts 04-secrets 05-cloud-sql \
            06-migrate 07-service 08-sweep-job; do
  bash "${here}/${step}.sh"
done
bash "${here}/09-check.sh" || echo "some checks failed: see above (a new service may need a minute)"
