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
RUN deno install --frozen

COPY . .
RUN deno task build \
 && deno cache store/main.ts gateway/main.ts connectors/*/main.ts \
 && chown -R deno:deno /app

USER deno
ENV PAINCHAIN_PREFIX=painchain
# Overridden per service in compose.yaml.
CMD ["deno", "run", "--allow-net", "--allow-env", "--allow-read", "--allow-sys", "gateway/main.ts"]
