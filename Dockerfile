# MyLife Node: build with the dev dependencies, run with the production ones only.
# Node 22 is the maintained LTS line (Node 20's support has ended; file-type, under @nestjs/common, wants >= 22).
FROM node:22-bookworm-slim AS build
WORKDIR /app
# The server's dependencies only (--workspaces=false): the client library (client/) is not part of the image. No
# install scripts yet: the root's `prepare` would build the client too; the dependencies' own scripts run below.
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
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8787
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=512", "dist/src/main.js"]
