# prm developer entry points. Assumes Node 20+; Redis and PostgreSQL are started where needed (see .ci/run).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PG15_BIN := /usr/lib/postgresql/15/bin
E2E_CONFIGS := $(wildcard e2e/jest.e2e.config.cjs e2e/jest.e2e.config.ts e2e/jest.e2e.config.js)
# make dev: the API on 3000 (what frontend/proxy.conf.json forwards to), the console on ng serve's 4200
DEV_API_PORT ?= 3000

.PHONY: help setup build build-server demo dev test check clean bench screenshots

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  make %-12s %s\n", $$1, $$2 }'

setup: ## npm ci when needed; chromium and PostgreSQL 15 via apt when missing (root only)
	@if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] \
	    || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	  npm ci --no-audit --no-fund; \
	else echo "setup: node_modules is up to date"; fi
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x $(PG15_BIN)/initdb ] || missing="$$missing postgresql-15"; \
	if [ -z "$$missing" ]; then echo "setup: chromium and PostgreSQL 15 binaries present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "setup: installing$$missing"; \
	  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; } \
	    || echo "setup: warning: apt-get install$$missing failed; browser tests need chromium, tests without PostgreSQL 15 run replicas on 17" >&2; \
	else \
	  echo "setup: warning: missing$$missing and cannot apt-get (not root or no apt); install them yourself" >&2; \
	  echo "       (tests without PostgreSQL 15 binaries run their replicas on PostgreSQL 17)" >&2; \
	fi

build: ## compile server (dist/) and console (dist/console)
	npm run build

build-server:
	npm run build:server

demo: setup build ## three replicating clusters + prm on http://127.0.0.1:8080/ (Ctrl-C stops everything)
	node dist/scripts/demo.js

dev: build-server ## API (node --watch) on 3000 + ng serve with a proxy on 4200
	@trap 'kill 0' EXIT; \
	npx tsc -p tsconfig.build.json --watch --preserveWatchOutput & \
	npx tsc-alias -p tsconfig.build.json --watch & \
	PRM_PORT=$(DEV_API_PORT) PRM_HOST=127.0.0.1 node --watch dist/services/all-in-one/src/main.js & \
	(cd frontend && npx ng serve --proxy-config proxy.conf.json) & \
	wait

test: setup build ## unit + integration tests with coverage, then browser tests
	npm run test:cov
	@if [ -n "$(E2E_CONFIGS)" ]; then npm run test:e2e; \
	else echo "test: no e2e/jest.e2e.config.* yet, skipping browser tests"; fi

screenshots: setup build ## browser tests that also refresh the committed docs/screenshots/
	PRM_SCREENSHOT_DIR=docs/screenshots npm run test:e2e

# One section alone: node dist/bench/<poll-scale|api-load|console|migration-overhead|backfill-eta|alert-latency>.js
bench: build-server ## benchmarks on real clusters: print tables, write docs/benchmarks.md (~10 min)
	@[ -f dist/console/browser/index.html ] || npm run build:console
	node dist/bench/poll-scale.js
	node dist/bench/api-load.js
	node dist/bench/console.js
	node dist/bench/migration-overhead.js
	node dist/bench/backfill-eta.js 3
	node dist/bench/alert-latency.js

check: ## lint, formatting, type check, then make test
	npm run lint
	npm run format:check
	npm run typecheck
	$(MAKE) test

clean: ## stop leftover test/demo clusters; remove dist, coverage, .tmp, .demo, .angular
	@for pidfile in .tmp/clusters/*/postmaster.pid .demo/clusters/*/postmaster.pid; do \
	  [ -f "$$pidfile" ] && kill -QUIT "$$(head -1 "$$pidfile")" 2>/dev/null || true; \
	done
	rm -rf dist coverage .tmp .demo .angular frontend/.angular

.PHONY: docker synth

PRM_IMAGE ?= prm:local
docker: ## build the prm image (deploy/Dockerfile) and the dev image, where a Docker engine answers
	@if ! command -v docker >/dev/null 2>&1; then \
	  echo "docker: no docker client here; skipping the image build (CI checks the Dockerfiles with deploy/test/dockerfile.spec.ts)"; \
	elif ! docker info >/dev/null 2>&1; then \
	  echo "docker: no Docker engine answers ('docker info' failed); skipping the image build (CI checks the Dockerfiles with deploy/test/dockerfile.spec.ts)"; \
	else \
	  docker build -f deploy/Dockerfile -t $(PRM_IMAGE) . && \
	  docker build -f deploy/Dockerfile.dev -t prm-dev:local .; \
	fi

synth: ## CloudFormation template of the CDK app (deploy/cdk) into dist/cdk.out, offline; PRM_CDK_CONFIG=file.json
	cd deploy/cdk && CDK_DISABLE_CLI_TELEMETRY=true npx cdk synth --quiet --no-notices --no-version-reporting \
	  -c prmConfig=$(or $(PRM_CDK_CONFIG),config/example.json)
	@echo "synth: template in dist/cdk.out/"
