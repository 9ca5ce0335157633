# syntax=docker/dockerfile:1
#
# codat-register container image.
#
#   docker build -t codat-register .                      # or: gcloud builds submit --tag …
#   docker run --rm -p 8080:8080 --env-file .env codat-register            # python app.py serve
#   docker run --rm --env-file .env codat-register python app.py migrate   # one-shot commands
#
# Two stages: the builder turns requirements.txt (and nothing else) into a virtualenv; the final
# stage copies that virtualenv and the source, without compilers, pip caches, tests or benchmarks
# (see .dockerignore). The deployment recipe is deploy/README.md.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# The pinned requirements all ship manylinux wheels for CPython 3.11, so no compiler is needed.
# If a future dependency has to be compiled, install build-essential HERE (never in the final
# stage), e.g.: RUN apt-get update && apt-get install -y --no-install-recommends build-essential
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Only requirements.txt: this layer (the slow one) is rebuilt only when the requirements change.
COPY requirements.txt /tmp/requirements.txt
RUN pip install --prefer-binary -r /tmp/requirements.txt

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# tini as PID 1: forwards SIGTERM to the app and reaps children. Without it, `python app.py sweep`
# or `migrate` running as PID 1 with no SIGTERM handler would ignore SIGTERM (the kernel drops
# unhandled signals to PID 1) and be killed only when the grace period ends.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

# A fixed, numeric, unprivileged user (Kubernetes' runAsNonRoot checks the number).
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app \
 && install -d -o app -g app -m 0700 /var/lib/codat-register

# HOST is left unset: the app binds 0.0.0.0 by default, and the sandbox refuses an explicit HOST.
# PYTHONDONTWRITEBYTECODE: the source is read-only to the app user; the .pyc files are compiled
# below at build time instead (faster start-up, nothing written at run time).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PORT=8080 \
    DATA_DIR=/var/lib/codat-register

# Dependencies first, in a layer of their own …
COPY --from=builder /opt/venv /opt/venv

# … then the source (what .dockerignore leaves: no tests/, bench/, data/, .git, .venv, .env).
# simulators/ stays: the sandbox, which the app imports when Slack is not configured, lives there.
WORKDIR /app
COPY . /app
# compileall: .pyc files made now (pip already compiled the virtualenv); `import app`: the source
# and the installed requirements agree, or the build fails here rather than at the first request.
RUN python -m compileall -q /app \
 && python -c "import app" \
 && chmod -R a+rX,go-w /app

USER 10001:10001

# Documentation only: the app listens on $PORT (Cloud Run sets PORT itself, 8080 by default).
EXPOSE 8080

# Optional: Docker and docker compose use this; Cloud Run ignores HEALTHCHECK (it uses its own
# startup/liveness probes, configured on the service: see deploy/). /healthz is liveness only.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'), timeout=4)"]

# The one-shot commands run from this same image with other arguments, e.g. Cloud Run jobs with
# args ["python", "app.py", "sweep"]: override CMD (args), not ENTRYPOINT (command), to keep tini.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["python", "app.py", "serve"]
