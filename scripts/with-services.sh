#!/usr/bin/env bash
# Runs a command with DATABASE_URL / CELERY_BROKER_URL pointing at PostgreSQL and Redis on
# 127.0.0.1 when they answer, so the suite tests the real flow there and SQLite elsewhere.
set -euo pipefail
if [ -z "${DATABASE_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 \
    && pg_isready -q -h 127.0.0.1 -p 5432; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/cqdlab"
fi
if [ -z "${CELERY_BROKER_URL:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  # Database 15 keeps test queues apart from a developer's running instance.
  export CELERY_BROKER_URL="redis://127.0.0.1:6379/15"
fi
echo "database: ${DATABASE_URL:-sqlite (embedded)}; broker: ${CELERY_BROKER_URL:-none (in-process tasks)}"
exec "$@"
