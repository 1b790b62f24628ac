# syntax=docker/dockerfile:1
# Build stage: resolve the locked dependencies into a virtualenv.
FROM python:3.11-slim AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv
RUN pip install --no-cache-dir uv==0.13.8
# The same path as at run time: the project is installed editable, so its data files
# (content/default, migrations) are found next to the code.
WORKDIR /srv
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY app ./app
RUN uv sync --frozen --no-dev

# Runtime stage: the virtualenv and the app files, run as an unprivileged user.
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite:////data/tremor-guide.db
RUN useradd --system --uid 10001 --home-dir /srv tremor \
    && mkdir -p /data && chown tremor /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv
COPY --chown=tremor alembic.ini ./
COPY --chown=tremor migrations ./migrations
COPY --chown=tremor content ./content
COPY --chown=tremor app ./app
USER tremor
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["tremor-guide", "serve", "--host", "0.0.0.0", "--port", "8000"]
