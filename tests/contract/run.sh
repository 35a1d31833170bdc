#!/usr/bin/env bash
# The API's contract checked from outside, as a client generator reads it:
# schemathesis (PyPI) with `--checks all` against a running `kait serve`, on the
# served /v1/openapi.json. Zero findings is the bar; the few exclusions are in
# schemathesis.toml beside this file, each with its reason.
#
# The server and schemathesis run in a network namespace of their own with only
# loopback: fuzzed Callback URLs name any host, and nothing may leave the machine.
#
#   bash tests/contract/run.sh            (after `cargo build -p kait`, or it builds)
#   KAIT_CONTRACT_EXAMPLES=50 bash tests/contract/run.sh   (default 200 per operation)
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tests/contract
version=4.32.5

if [[ -z "${KAIT_CONTRACT_INSIDE:-}" ]]; then
  # Outside the namespace: what needs the network (PyPI) and the build.
  venv="$PWD/target/contract/venv"
  if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$version"; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$version"
  fi
  cargo build -q -p kait --bin kait
  command -v unshare >/dev/null && command -v ip >/dev/null ||
    { echo "unshare and ip (util-linux, iproute2) are needed for the loopback-only namespace" >&2; exit 1; }
  exec unshare --net env KAIT_CONTRACT_INSIDE=1 KAIT_CONTRACT_VENV="$venv" bash "$0" "$@"
fi

ip link set lo up
mkdir -p target/contract
work=$(mktemp -d -p "$PWD/target/contract" run.XXXXXX)
server=
stop() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap stop EXIT

admin="kait_admin_contract_$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
# Port 0: the kernel picks a free one, and kait prints it.
KAIT_DATA="$work/kait.db" KAIT_LISTEN=127.0.0.1:0 KAIT_ADMIN_KEY="$admin" \
  KAIT_CACHE_DIR="$PWD/target/contract/cache" KAIT_LOG=error \
  target/debug/kait serve >"$work/stdout" 2>"$work/stderr" &
server=$!
base=
for _ in $(seq 600); do
  base=$(sed -n 's/^kait listening on \(http:[^ ]*\).*/\1/p' "$work/stdout")
  [[ -n "$base" ]] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/stderr" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$base" ]] || { echo "kait serve did not print its address" >&2; exit 1; }

# A shop on a plan with webhooks, a webhook and a delivery, so the routes that
# name one have data to find: schemathesis reuses ids it reads in answers.
call() {
  curl -sf "$base$1" -H "authorization: Bearer $admin" -H 'content-type: application/json' -d "$2"
}
call /v1/shops '{"id": "contract", "name": "Contract", "plan": "premium"}' >/dev/null
# Loopback destinations are refused (the default), so nothing is ever sent.
call /v1/shops/contract/webhooks '{"name": "Orders", "callback_url": "http://127.0.0.1:9/orders"}' >/dev/null
call /v1/shops/contract/events \
  "$(sed 's/"shop": "mirfaith"/"shop": "contract"/' examples/events/order.paid.json)" >/dev/null

# Hypothesis (under schemathesis) keeps its files here rather than in ./.hypothesis.
export HYPOTHESIS_STORAGE_DIRECTORY="$PWD/target/contract/hypothesis"
# One worker: with two threads, Hypothesis 6.170's cache of lambda sources once
# raised a KeyError inside schemathesis (a Runtime Error, not a finding, in a CI run
# on 2026-12-02); one thread cannot race it.
started=$(date +%s)
status=0
"$KAIT_CONTRACT_VENV/bin/schemathesis" --config-file "$here/schemathesis.toml" --no-color \
  run "$base/v1/openapi.json" \
  --checks all \
  --header "Authorization: Bearer $admin" \
  --max-examples "${KAIT_CONTRACT_EXAMPLES:-200}" \
  --seed "${KAIT_CONTRACT_SEED:-12}" \
  --generation-database none \
  --workers 1 || status=$?
echo "contract check (schemathesis $version): $(($(date +%s) - started)) s"
if [[ $status -ne 0 ]]; then
  echo "--- kait serve's log ---" >&2
  tail -50 "$work/stderr" >&2
fi
exit "$status"
