# One image for every service of compose.yaml: the api, worker, beat and migrate services differ only in
# their command. The source stays in /app because `booking db upgrade` reads migrations/ beside the package.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    BOOKING_DATA_DIR=/var/lib/antrian

# pg_dump and pg_restore for `booking backup` / `booking restore` (Debian 12's client is 15, like compose's server)
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY booking ./booking
COPY workers ./workers
COPY notifications ./notifications
COPY migrations ./migrations
RUN pip install -e . && useradd --system --home-dir /var/lib/antrian --create-home antrian

USER antrian
EXPOSE 8000
CMD ["booking", "serve"]
