# syntax=docker/dockerfile:1
# One image for web (gunicorn), worker and beat (celery); docker-compose.yml picks the command.

# --- Front-end libraries from the npm registry, pinned by package-lock.json (never a CDN).
FROM node:22-bookworm-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# --- Python dependencies in a virtualenv that the final stage copies whole.
FROM python:3.11-slim AS python-deps
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
# The runtime dependencies exactly as locked, every file checked against its hash (`make lock`);
# this layer is rebuilt only when the lock changes.
COPY requirements/base.txt requirements/base.txt
RUN pip install --require-hashes -r requirements/base.txt
# Then the project itself, with nothing more fetched (its build backend is in the lock too).
COPY pyproject.toml README.md ./
COPY relhealth relhealth
COPY org org
COPY checkins checkins
COPY culture culture
COPY api api
COPY dialect dialect
RUN pip install --no-deps --no-build-isolation . && pip check

# --- The runtime image.
FROM python:3.11-slim
# The installed packages carry only .py files, while settings find templates/, static/ and
# node_modules/ from BASE_DIR: /app comes first on the path so the code runs from there.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=relhealth.settings.production
# A home of its own: gunicorn puts its control socket under ~/.gunicorn/.
RUN groupadd --system --gid 10001 relhealth \
    && useradd --system --uid 10001 --gid relhealth --create-home --home-dir /home/relhealth \
        --shell /usr/sbin/nologin relhealth
WORKDIR /app
COPY --from=python-deps /opt/venv /opt/venv
COPY --from=assets /assets/node_modules ./node_modules
COPY . .

# Dummy values that exist only so the production settings import during collectstatic; the real
# secret and hosts come from the environment at run time and are never baked into the image.
ARG DJANGO_SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz
ARG DJANGO_ALLOWED_HOSTS=build.invalid
# collectstatic sends no mail: the sender and link checks of the settings do not apply.
ARG RELHEALTH_ALLOW_LOCAL_MAIL=true
RUN python manage.py collectstatic --noinput \
    && mkdir -p var \
    && chown relhealth:relhealth var

# The code stays root-owned and read-only to the process; only var/ is writable.
USER relhealth
EXPOSE 8000
# Worker processes (gunicorn reads WEB_CONCURRENCY; 2-4 per CPU), each with 4 threads so a
# request waiting on PostgreSQL or Redis leaves the CPU to another (docs/deploy.md).
ENV WEB_CONCURRENCY=4
# No access log: check-in URLs carry a token, and a log line pairs it with a time (promise A6).
CMD ["gunicorn", "relhealth.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--worker-class", "gthread", "--threads", "4", \
     "--worker-tmp-dir", "/dev/shm", "--error-logfile", "-"]
