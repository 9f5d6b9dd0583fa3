# syntax=docker/dockerfile:1
# Builder: install the locked dependencies and the project into /app/.venv.
FROM python:3.11-slim AS builder
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md CHANGELOG.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY app ./app
COPY seed ./seed
COPY migrations ./migrations
RUN uv sync --locked --no-dev --no-editable

# Runtime: the virtual environment only, run by an unprivileged user.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 cica && mkdir /data && chown cica:cica /data
COPY --from=builder /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CICA_DATABASE_URL=sqlite:////data/cica.db
WORKDIR /data
USER cica
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# Applies migrations (under a lock on PostgreSQL), seeds an empty database, then serves.
CMD ["cica-api", "serve", "--host", "0.0.0.0", "--port", "8000"]
