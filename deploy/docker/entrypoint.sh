#!/bin/sh
# Starts one prm service in the container: PRM_SERVICE picks dist/services/<service>/src/main.js.
# `exec` replaces this shell, so node is the direct child of tini (PID 1), which forwards SIGTERM to it.
#
# ECS injects secrets as whole variables, so the CDK stack passes URLs without passwords plus
# PRM_DATABASE_PASSWORD (metadata DB) and PRM_REDIS_AUTH_TOKEN (ElastiCache AUTH); they are put into
# PRM_DATABASE_URL / REDIS_URL here and removed from the environment. Values are never printed.
set -eu

app_dir="${PRM_APP_DIR:-/app}"
service="${PRM_SERVICE:-}"

case "$service" in
  gateway | config | monitor | provisioner | migrator | alerter | all-in-one) ;;
  *)
    echo "prm: PRM_SERVICE must be one of gateway, config, monitor, provisioner, migrator, alerter, all-in-one (got '$service')" >&2
    exit 64
    ;;
esac

# add_password URL PASSWORD NAME: URL with ":PASSWORD" after its user name (or ":PASSWORD@" when it has none).
add_password() {
  case "$2" in
    *[!A-Za-z0-9._~-]*)
      echo "prm: $3 may hold only letters, digits and . _ ~ - (it goes into a URL unescaped)" >&2
      return 64
      ;;
  esac
  scheme="${1%%://*}"
  rest="${1#*://}"
  case "$rest" in
    *@*)
      userinfo="${rest%%@*}"
      case "$userinfo" in
        *:*)
          echo "prm: $3 is set but the URL already carries a password" >&2
          return 64
          ;;
      esac
      printf '%s://%s:%s@%s' "$scheme" "$userinfo" "$2" "${rest#*@}"
      ;;
    *) printf '%s://:%s@%s' "$scheme" "$2" "$rest" ;;
  esac
}

if [ -n "${PRM_DATABASE_PASSWORD:-}" ]; then
  PRM_DATABASE_URL="$(add_password "${PRM_DATABASE_URL:?PRM_DATABASE_URL is required with PRM_DATABASE_PASSWORD}" "$PRM_DATABASE_PASSWORD" PRM_DATABASE_PASSWORD)" || exit 64
  export PRM_DATABASE_URL
fi
if [ -n "${PRM_REDIS_AUTH_TOKEN:-}" ]; then
  REDIS_URL="$(add_password "${REDIS_URL:?REDIS_URL is required with PRM_REDIS_AUTH_TOKEN}" "$PRM_REDIS_AUTH_TOKEN" PRM_REDIS_AUTH_TOKEN)" || exit 64
  export REDIS_URL
fi
unset PRM_DATABASE_PASSWORD PRM_REDIS_AUTH_TOKEN

exec node "$app_dir/dist/services/$service/src/main.js" "$@"
