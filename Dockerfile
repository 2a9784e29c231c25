# drillbot: `docker build -t drillbot .`, then `docker run -it -v drillbot-data:/data drillbot`
# (or `docker compose up` with compose.yaml: the bot and PostgreSQL).
#
# Stage 1 builds the wheel (code and question packs). Stage 2 installs the locked dependencies
# (requirements/docker.lock, with hashes) in a layer of their own, before any code, so a code
# change rebuilds only the last layer; then the wheel alone. No source tree is left in the image.

FROM python:3.11-slim AS wheel
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements/build.lock requirements/build.lock
RUN python -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir --require-hashes --no-deps -r requirements/build.lock
COPY pyproject.toml README.md LICENSE ./
COPY bot bot
COPY adapters adapters
COPY content content
RUN /opt/build/bin/pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /dist .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/drillbot/bin:$PATH \
    DRILLBOT_DATA_DIR=/data \
    DRILLBOT_DATABASE_URL=sqlite:////data/drillbot.db
RUN groupadd --gid 10001 drillbot \
    && useradd --uid 10001 --gid 10001 --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin drillbot \
    && mkdir /data && chown 10001:10001 /data
COPY requirements/docker.lock /tmp/docker.lock
# The venv has no pip of its own (23 MB): the base image's pip installs into it with --python.
RUN python -m venv --without-pip /opt/drillbot \
    && pip --python /opt/drillbot/bin/python install --no-cache-dir --require-hashes --no-deps \
       -r /tmp/docker.lock \
    && rm /tmp/docker.lock
COPY --from=wheel /dist/ /tmp/dist/
# pip check: the lock must satisfy the wheel's own requirements.
RUN pip --python /opt/drillbot/bin/python install --no-cache-dir --no-deps /tmp/dist/*.whl \
    && pip --python /opt/drillbot/bin/python check \
    && rm -rf /tmp/dist

USER 10001:10001
# A bot.toml in the volume (/data/bot.toml) is read by default; the packs ship in the wheel.
WORKDIR /data
VOLUME ["/data"]
# Slack's HTTP mode ([slack] mode = "http"); Socket Mode and Discord need no port.
EXPOSE 3000
# drillbot stops cleanly on SIGTERM (scheduler, platforms, database) and exits 0.
STOPSIGNAL SIGTERM
# Config valid, database migrated, and every platform of the running bot connected
# (read from /data/.drillbot-status.json, which the bot refreshes every 15 s).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["drillbot", "health"]
CMD ["drillbot", "run"]
