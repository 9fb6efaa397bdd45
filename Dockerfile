# syntax=docker/dockerfile:1
# Build stage: compile TypeScript to dist/.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY jobs ./jobs
COPY workers ./workers
COPY test/support ./test/support
RUN npm run build && npm prune --omit=dev

# Runtime stage: production dependencies and the compiled code only, as a non-root user.
FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY examples ./examples
USER node
EXPOSE 8080
# The flags of bin/node-flags.js (a larger young generation for the snapshot; see there).
ENTRYPOINT ["node", "--max-semi-space-size=32", "--min-semi-space-size=16", "--expose-gc", "bin/provisioner.js"]
CMD ["start"]
