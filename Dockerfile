# One image for every PainChain service; compose picks the entry point per service.
FROM denoland/deno:2.9.6

WORKDIR /app

# Dependencies first, so they are cached across code changes.
COPY deno.json deno.lock ./
COPY shared/deno.json shared/
COPY store/deno.json store/
COPY gateway/deno.json gateway/
COPY web/deno.json web/
COPY connectors/painchain/deno.json connectors/painchain/
COPY connectors/github/deno.json connectors/github/
COPY connectors/gitlab/deno.json connectors/gitlab/
COPY connectors/kubernetes/deno.json connectors/kubernetes/
COPY testing/deno.json testing/
RUN deno install --frozen

COPY . .
RUN deno task build \
 && deno cache store/main.ts gateway/main.ts connectors/*/main.ts \
 && chown -R deno:deno /app

USER deno
ENV PAINCHAIN_PREFIX=painchain
# Overridden per service in compose.yaml (each with its own narrow permissions; see dev/permissions.ts).
CMD ["deno", "run", "--allow-net=nats:4222,postgres:5432,0.0.0.0:8000", "--allow-env=PORT,HOST,NATS_URL,NATS_TOKEN,NATS_USER,NATS_PASSWORD,DATABASE_URL,DATABASE_READ_URL,PAINCHAIN_PREFIX,LOG_LEVEL,WEB_DIR,PAINCHAIN_SECRET_KEY,PAINCHAIN_ADMIN_TOKEN,PAINCHAIN_PUBLIC_READ,PAINCHAIN_INTAKE_PER_MINUTE,PAINCHAIN_INTAKE_BURST,PAINCHAIN_SECRETS_DIR,PAINCHAIN_STREAM_REPLICAS,PAINCHAIN_INVESTIGATE_WEIGHTS,PAINCHAIN_TRUSTED_PROXIES,PG*,CONNECTION_SECRET_*", "--allow-read=/app,/run/secrets", "gateway/main.ts"]
