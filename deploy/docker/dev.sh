#!/bin/sh
# Development loop inside deploy/Dockerfile.dev: what `make dev` runs, bound to 0.0.0.0 for the host.
# API (all-in-one) on $PRM_PORT (3000, where frontend/proxy.conf.json forwards /api and /ws), console on 4200.
set -eu
cd /work
trap 'kill 0' INT TERM EXIT
npm run build:server
npx tsc -p tsconfig.build.json --watch --preserveWatchOutput &
npx tsc-alias -p tsconfig.build.json --watch &
node --watch dist/services/all-in-one/src/main.js &
(cd frontend && npx ng serve --host 0.0.0.0 --proxy-config proxy.conf.json) &
wait
