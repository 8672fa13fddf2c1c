# envstack controller image: `envstack controller` (status, readiness and drift for every environment).
#
#   docker build -t envstack/controller:$(node -p "require('./package.json').version") .
#
# The Helm chart's default image is envstack/controller:<chart appVersion> (= package.json version); push it
# to your registry and set controller.image.registry. Three stages: `build` compiles TypeScript with the
# dev dependencies, `deps` installs the production dependencies only, and the runtime stage copies just the
# compiled dist/, those node_modules and the Compositions the controller renders for spec drift.
ARG NODE_IMAGE=node:20-alpine

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOME=/tmp
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY compositions ./compositions
# Numeric, so Kubernetes can verify runAsNonRoot; the chart's securityContext uses the same UID/GID.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "dist/cli/main.js", "controller"]
