# The production image: API, worker and migrations all run from it.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    SAMPLE_FEED_PATH=/app/data/sample/it_prato_cap_2016.zip VAR_DIR=/app/var \
    TARIFF_FILE=/app/data/sample/tariffs.toml NUMBA_CACHE_DIR=/app/var/numba-cache
WORKDIR /app
COPY pyproject.toml README.md ./
COPY mobility mobility
COPY gtfs gtfs
COPY routing routing
COPY ticketing ticketing
COPY access_control access_control
COPY services services
COPY data data
COPY deploy/gunicorn.conf.py deploy/gunicorn.conf.py
# A fixed uid, so host files mounted as secrets can be given to it (chown 10001).
RUN pip install . && useradd --system --uid 10001 --home /app mobility && mkdir -p var \
    && chown mobility var
USER mobility
EXPOSE 8000
# gunicorn with uvicorn workers (deploy/gunicorn.conf.py: WEB_CONCURRENCY, GUNICORN_BIND).
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "services.asgi:app"]
