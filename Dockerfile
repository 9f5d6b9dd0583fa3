# syntax=docker/dockerfile:1
# The CICA Data API as one image: build from uv.lock, run as an unprivileged user.
#
#   docker build -t cica-api .
#   docker run -p 8000:8000 -e CICA_PUBLIC_URL=http://127.0.0.1:8000 cica-api
#
# Without CICA_DATABASE_URL it serves a SQLite file in /data (mount a volume there to keep
# it); compose.yaml runs two replicas on PostgreSQL behind nginx. Linted by hadolint in CI;
# tests/test_dockerfile.py runs the CMD and the HEALTHCHECK outside Docker.

# Builder: the locked dependencies first (a layer that survives code changes), then the
# project itself, installed non-editable so the runtime needs no source tree.
FROM python:3.11-slim AS builder
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY app ./app
COPY seed ./seed
COPY migrations ./migrations
RUN uv sync --locked --no-dev --no-editable

# Runtime: the virtual environment only (the same base image, so its interpreter links
# resolve), run by a numeric non-root user that owns nothing but /data.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 cica && mkdir /data && chown 10001:10001 /data
COPY --from=builder /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CICA_DATABASE_URL=sqlite:////data/cica.db
WORKDIR /data
USER 10001:10001
EXPOSE 8000
# Liveness only: /healthz answers from the event loop without touching the database, so a
# database outage does not get replicas that still serve their snapshot killed.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# Migrates (under an advisory lock on PostgreSQL, so replicas started together migrate
# once), seeds an empty database, then serves; until the database answers, reads are 503.
CMD ["cica-api", "serve", "--host", "0.0.0.0", "--port", "8000"]
