# syntax=docker/dockerfile:1
# The relay image: `docker build -t chat4all/relay .` from the repository root.

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source here; the runtime stage needs none of this.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
RUN npm install -g pnpm@10.34.9
WORKDIR /src
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc tsconfig.base.json ./
COPY patches ./patches
# Every workspace package the relay depends on (a test checks this list against its manifest).
COPY packages/protocol/package.json packages/protocol/
COPY packages/connectors/package.json packages/connectors/
COPY packages/relay-server/package.json packages/relay-server/
COPY deploy/image/package.json deploy/image/
RUN pnpm install --frozen-lockfile --filter @chat4all/relay-image...
COPY packages/protocol packages/protocol
COPY packages/connectors packages/connectors
COPY packages/relay-server packages/relay-server
# deploy/image adds the PostgreSQL and Redis adapters' clients (postgres with the patch in patches/).
RUN pnpm --filter @chat4all/relay-server... run build \
 && pnpm --filter @chat4all/relay-image deploy --prod --legacy /out

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    CHAT4ALL_HOST=0.0.0.0 \
    CHAT4ALL_PORT=8080 \
    CHAT4ALL_DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /out /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
# /readyz answers 200 once the store is reachable, 503 while it is not or while shutting down.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.CHAT4ALL_PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The CLI handles SIGTERM: it stops taking work, commits what is in flight and closes sockets with 1001.
STOPSIGNAL SIGTERM
CMD ["node", "node_modules/@chat4all/relay-server/dist/cli.js", "start"]
