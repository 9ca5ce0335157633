#!/usr/bin/env bash
# Every later release: build the new image, migrate with it, then roll the service and the sweep
# job onto it. The migration runs first and stops the release if it fails, so the old revision
# keeps serving on the old schema (migrations must stay compatible with the running revision).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "${here}/config.sh"
export PROJECT_ID REGION IMAGE_TAG
for step in 02-build-image 06-migrate 07-service 08-sweep-job; do
  bash "${here}/${step}.sh"
done
bash "${here}/09-check.sh"
