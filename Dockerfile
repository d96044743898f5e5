# clubbot in a container: python:3.11-slim, the locked runtime dependencies (hashes checked), a
# non-root user, the database and exports under /data, and a health check on /healthz.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////data/clubbot.db \
    HTTP_LISTEN=0.0.0.0:8081

# pg_dump for `clubbot backup` on PostgreSQL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY storage ./storage
COPY schedules ./schedules
COPY emulator ./emulator
COPY playground ./playground
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin clubbot \
    && mkdir -p /data && chown clubbot /data

USER clubbot
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8081
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; host, port = os.environ['HTTP_LISTEN'].rsplit(':', 1); urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"]
CMD ["clubbot", "run"]
