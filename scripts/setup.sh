#!/usr/bin/env bash
# npm run setup: everything talkbus needs on a fresh Debian 12 machine, idempotent, and fast
# when all is already there.
#   1. Debian packages (apt-get, only the missing ones)
#   2. npm ci (skipped when node_modules already matches package-lock.json)
#   3. the mediasoup worker, built offline and cached outside the clone (scripts/setup/media-worker.sh)
#   4. a check that the pinned Node 24 runs
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

# What talkbus runs and tests against (nats-server, SIPp, Kamailio, ffmpeg, dnsmasq as a real DNS
# server for RFC 3263) and what the media worker is built from (see docs/media-worker.md).
apt_packages=(
  nats-server sip-tester ffmpeg iproute2
  kamailio kamailio-extra-modules kamailio-utils-modules kamailio-tls-modules
  g++ make patch pkg-config meson ninja-build
  libuv1-dev libssl-dev libsrtp2-dev libflatbuffers-dev flatbuffers-compiler
  libsofia-sip-ua-dev kamailio-websocket-modules baresip-core openssl dnsmasq-base
)

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  command -v apt-get >/dev/null || die "apt-get not found: talkbus setup expects Debian 12 (missing: ${missing[*]})"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
    sudo=(sudo)
  fi
  log "installing Debian packages: ${missing[*]}"
  # Kamailio's package would otherwise start a system-wide daemon on 5060; tests start their own.
  export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages: all ${#apt_packages[@]} present"
fi

# mediasoup's postinstall would download a prebuilt worker from GitHub (no route here): with
# MEDIASOUP_WORKER_BIN set it does nothing, so npm ci first, then the worker is built from the
# package's own C++ sources against Debian's libraries and cached outside the clone by version.
MEDIASOUP_WORKER_BIN="$(scripts/setup/media-worker.sh --print-path)"
export MEDIASOUP_WORKER_BIN

stamp=node_modules/.talkbus-setup
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -f $stamp && "$(cat "$stamp")" == "$want" && -x node_modules/.bin/node ]]; then
  log "npm dependencies: up to date"
else
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

scripts/setup/media-worker.sh >/dev/null
log "media worker: $MEDIASOUP_WORKER_BIN"

node_version="$(node_modules/.bin/node -v)"
[[ $node_version == v24.* ]] || die "the pinned Node should be 24, got $node_version"
log "ready: Node $node_version. Next: npm start (embedded talkbus) or npm test"
