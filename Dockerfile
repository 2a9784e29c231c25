# drillbot: `docker build -t drillbot .` then `docker run -it -v drillbot-data:/data drillbot`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DRILLBOT_DATABASE_URL=sqlite:////data/drillbot.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
RUN pip install ".[discord,slack,postgres]"
COPY content ./content
COPY bot.toml ./bot.toml

RUN useradd --system --uid 10001 --home-dir /app drillbot \
    && mkdir -p /data && chown drillbot /data
USER drillbot
VOLUME ["/data"]

HEALTHCHECK --interval=60s --timeout=10s --start-period=20s --retries=3 \
    CMD ["drillbot", "health", "--config", "/app/bot.toml"]

CMD ["drillbot", "run", "--config", "/app/bot.toml"]
