#!/usr/bin/env bash
# Start the demo: a Celery worker and beat on the embedded (filesystem) broker, and the web server.
# Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=relhealth.settings.local
# The worker and beat import this checkout (the demo app included, ADR 0038), not only what the
# virtualenv's editable install maps.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
# The demo's beat ticks every 20 s so a round opens and its invitations arrive within a minute.
export RELHEALTH_TICK_SECONDS="${RELHEALTH_TICK_SECONDS:-20}"
# A demo-only schedule: every hour of every day counts as working time, so invitations and the
# manager digest appear in the outbox whenever the demo is started (production: Mon-Fri 9-17).
export RELHEALTH_WORKING_HOURS="${RELHEALTH_WORKING_HOURS:-0,24}"
export RELHEALTH_WORKING_WEEKDAYS="${RELHEALTH_WORKING_WEEKDAYS:-0,1,2,3,4,5,6}"
export RELHEALTH_HOLIDAYS="${RELHEALTH_HOLIDAYS:-none}"
PORT="${PORT:-8000}"
export RELHEALTH_BASE_URL="${RELHEALTH_BASE_URL:-http://127.0.0.1:${PORT}}"
mkdir -p var/log
trap 'kill 0' EXIT INT TERM
.venv/bin/celery -A relhealth worker --loglevel=INFO --concurrency=2 > var/log/worker.log 2>&1 &
.venv/bin/celery -A relhealth beat --loglevel=INFO > var/log/beat.log 2>&1 &
cat <<MSG

  Relhealth demo: ${RELHEALTH_BASE_URL}/
    HR admin  hr@example.com        password: relhealth-demo
    manager   manager@example.com   password: relhealth-demo
    employee  employee@example.com  password: relhealth-demo
  Emails (invitations with check-in links, manager digests): ${RELHEALTH_BASE_URL}/demo/outbox/
  Worker and beat logs: var/log/

MSG
.venv/bin/python manage.py runserver "127.0.0.1:${PORT}" --noreload
