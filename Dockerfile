# MyLife Node: build with the dev dependencies, run with the production ones only.
# Node 22 is the maintained LTS line (Node 20's support has ended; file-type, under @nestjs/common, wants >= 22).

# The web app (web/, bundling the client library of client/): built here, only its web/dist reaches the image.
FROM node:22-bookworm-slim AS web
WORKDIR /app
# Every workspace's dependencies, for the client's tsc and vite; no install scripts: no native module is built or run.
COPY package.json package-lock.json ./
COPY client/package.json ./client/
COPY web/package.json ./web/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY client/tsconfig.json client/tsconfig.build.json ./client/
COPY client/bin ./client/bin
COPY client/src ./client/src
COPY web ./web
RUN npx tsc -p client/tsconfig.build.json && npm run build --workspace web

FROM node:22-bookworm-slim AS build
WORKDIR /app
# The server's dependencies only (--workspaces=false): the client library (client/) and the web app's sources are not
# part of the image. No install scripts yet: the root's `prepare` would build the client and the web app too; the
# dependencies' own scripts run below.
COPY package.json package-lock.json ./
RUN npm ci --workspaces=false --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npx tsc -p tsconfig.build.json \
  && npm prune --omit=dev --workspaces=false --no-audit --no-fund \
  && npm rebuild --workspaces=false

FROM node:22-bookworm-slim
# Memory (docs/design-notes.md): freed scrypt buffers go back to the OS, a small young generation, and a heap cap
# that keeps V8 collecting instead of growing to hundreds of MB. The same settings as `npm start`.
ENV NODE_ENV=production PORT=8787 MYLIFE_DATA_DIR=/data MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Served at / (src/web-app finds web/dist beside the package.json above dist/).
COPY --from=web /app/web/dist ./web/dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8787
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=512", "dist/src/main.js"]
