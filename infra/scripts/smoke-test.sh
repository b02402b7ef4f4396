#!/usr/bin/env bash
# Smoke test of a deployed tenant endpoint, over HTTPS pinned to TLS 1.2 (what Entra's client speaks):
# discovery answers 200 without a token, /Users without a token answers 401, and /health answers 200
# (it lists the vault's credentials, so it proves the app's identity can read its Key Vault).
# Retries only while the freshly deployed app is still starting (no answer, 404 or 5xx).
#
# Usage: smoke-test.sh <tenant-url>      e.g. https://func-scim-contoso-abc.azurewebsites.net/scim/v2
# Env:   SMOKE_TRIES (default 20), SMOKE_WAIT_SECONDS (default 15)
set -euo pipefail

base=${1:?usage: smoke-test.sh <tenant-url>}
base=${base%/}
if [[ $base != https://* ]]; then
  echo "::error::the tenant URL must be https://…, got $base" >&2
  exit 1
fi
tries=${SMOKE_TRIES:-20}
wait_seconds=${SMOKE_WAIT_SECONDS:-15}

status() {
  curl --silent --output /dev/null --write-out '%{http_code}' --max-time 30 \
    --proto '=https' --tlsv1.2 --tls-max 1.2 "$1" || true
}

expect_status() {
  local path=$1 want=$2 got
  for ((i = 1; ; i++)); do
    got=$(status "$base$path")
    got=${got:-000}
    if [[ $got == "$want" ]]; then
      echo "ok   GET $path -> $got"
      return 0
    fi
    if [[ $got != 000 && $got != 404 && $got != 5* ]] || ((i >= tries)); then
      echo "::error::GET $base$path answered $got, expected $want" >&2
      return 1
    fi
    echo "wait GET $path -> $got, expecting $want (try $i/$tries, next in ${wait_seconds}s)"
    sleep "$wait_seconds"
  done
}

expect_status /ServiceProviderConfig 200
expect_status /Users 401
base=${base%/scim/v2}
expect_status /health 200
