#!/usr/bin/env bash
# Builds mediasoup's C++ worker (mediasoup-worker) from the sources in the mediasoup npm
# tarball, against Debian 12's libraries, with no network access beyond the npm registry,
# and caches it outside the repository clone:
#
#   ${TALKBUS_CACHE_DIR:-$HOME/.cache/talkbus}/mediasoup-worker/<version>-<shimhash>/mediasoup-worker
#
# Why: mediasoup's own postinstall downloads a prebuilt worker from GitHub and otherwise
# builds with pip-installed meson/ninja and subprojects that meson downloads; none of that
# is reachable here. See docs/media-worker.md for the choices and the shims in
# scripts/setup/mediasoup/.
#
# Idempotent: when the cached binary exists and passes a quick check, nothing is built.
# Progress goes to stderr; stdout gets exactly one line, the absolute path of the worker.
#
# Usage: scripts/setup/media-worker.sh [--print-path | --rebuild | --help]
#   --print-path  print the cache path of the worker (built or not) and exit; for
#                 `export MEDIASOUP_WORKER_BIN=...` before `npm ci`
#   --rebuild     build even if the cached binary is fine (same as TALKBUS_MEDIA_WORKER_REBUILD=1)
#
# Environment:
#   TALKBUS_CACHE_DIR                   cache root (default: $HOME/.cache/talkbus)
#   TALKBUS_MEDIA_WORKER_REBUILD=1      force a rebuild
#   TALKBUS_MEDIA_WORKER_JOBS=N         parallel compile jobs (default: number of cores)
#   TALKBUS_MEDIA_WORKER_TIMEOUT=S      bound on the compile step in seconds (default: 900)
#   TALKBUS_MEDIA_WORKER_SMOKE=auto|1|0 run test/media-worker/worker.test.ts on the new
#                                       binary before caching it: auto = when the mediasoup
#                                       package and the pinned Node are installed (default)
#   TALKBUS_MEDIA_WORKER_KEEP_BUILD=1   keep the temporary build tree (for debugging)

set -Eeuo pipefail
shopt -s inherit_errexit

# The one mediasoup version this script and its shims are written for. The npm dependency
# `mediasoup` must be pinned to the same version: the Node side and the worker talk a
# FlatBuffers protocol generated from that version's schemas.
readonly MEDIASOUP_VERSION=3.27.1
# sha256 of mediasoup-3.27.1.tgz as served by the npm registry (npm checks its own sha512
# too; this also catches a registry mirror serving something else).
readonly MEDIASOUP_TARBALL_SHA256=8ff08878ec3c859d4404b35da1785740f1b75ce5127affd488938db3006dcea4
# Bump when the build steps below change the binary in a way the shim files do not show
# (they and MESON_SETUP_ARGS are hashed into the cache key already).
readonly BUILD_RECIPE_REVISION=1

# Release build as mediasoup's own tasks.py does it (--buildtype release -Db_ndebug=true),
# plus: never download (the stub subprojects provide every dependency), and mediasoup's
# built-in bandwidth estimation instead of the libwebrtc one, which would need abseil.
readonly -a MESON_SETUP_ARGS=(
	--buildtype=release
	-Db_ndebug=true
	--wrap-mode=nodownload
	-Dms_use_builtin_bwe=true
)

readonly TOOL=media-worker
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
readonly SCRIPT_DIR
readonly SHIM_DIR="$SCRIPT_DIR/mediasoup"
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd -P)
readonly REPO_ROOT

log() { printf '[%s] %s\n' "$TOOL" "$*" >&2; }

die() {
	printf '[%s] ERROR: %s\n' "$TOOL" "$*" >&2
	exit 1
}

# set -e alone fails silently; say which command failed and where.
on_err() {
	local status=$1 line=$2 command=$3
	printf '[%s] ERROR: command failed (exit %s) at %s line %s: %s\n' \
		"$TOOL" "$status" "${BASH_SOURCE[0]}" "$line" "$command" >&2
	exit "$status"
}
trap 'on_err $? $LINENO "$BASH_COMMAND"' ERR

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

# ---------------------------------------------------------------------------------------
# Cache key: version + hash of everything that shapes the binary besides the tarball.

shim_hash() {
	{
		printf 'recipe %s\n' "$BUILD_RECIPE_REVISION"
		printf 'meson-arg %s\n' "${MESON_SETUP_ARGS[@]}"
		# Paths relative to the shim dir and sorted, so the hash does not depend on where
		# the clone is or on readdir order.
		(cd -- "$SHIM_DIR" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
	} | sha256sum | cut -c1-12
}

[[ -d $SHIM_DIR/subprojects ]] || die "shim directory missing: $SHIM_DIR"
CACHE_ROOT="${TALKBUS_CACHE_DIR:-${HOME:?HOME is not set and TALKBUS_CACHE_DIR is not given}/.cache/talkbus}/mediasoup-worker"
[[ $CACHE_ROOT == /* ]] || CACHE_ROOT="$PWD/$CACHE_ROOT" # the printed path must be absolute
readonly CACHE_ROOT
CACHE_KEY="$MEDIASOUP_VERSION-$(shim_hash)"
readonly CACHE_KEY
readonly FINAL_DIR="$CACHE_ROOT/$CACHE_KEY"
readonly FINAL_BIN="$FINAL_DIR/mediasoup-worker"

# ---------------------------------------------------------------------------------------
# Arguments.

rebuild=${TALKBUS_MEDIA_WORKER_REBUILD:-0}
case ${1-} in
	'') ;;
	--print-path)
		printf '%s\n' "$FINAL_BIN"
		exit 0
		;;
	--rebuild) rebuild=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*) die "unknown argument: $1 (see --help)" ;;
esac
(($# <= 1)) || die "one argument at most (see --help)"

# ---------------------------------------------------------------------------------------
# Checks.

# A started worker needs MEDIASOUP_VERSION in its environment (mediasoup's Node side sets
# it); without it, main() exits with the custom code 41 before touching anything else. So
# running it bare proves, in milliseconds, that the file is a runnable worker and that the
# dynamic loader finds all its Debian libraries (a missing one gives 127 instead).
check_worker() {
	local bin=$1 output status=0
	[[ -f $bin && -x $bin ]] || {
		printf 'not an executable file'
		return 1
	}
	# fds 3 and 4 are the worker's channel; make sure it cannot see any inherited ones.
	output=$(env -u MEDIASOUP_VERSION timeout 10 "$bin" </dev/null 2>&1 3>&- 4>&-) || status=$?
	if [[ $status -ne 41 || $output != *"you don't seem to be my real father"* ]]; then
		printf 'exit status %s, output: %s' "$status" "${output:-<none>}"
		return 1
	fi
}

# The version of the mediasoup package installed in the workspace, if any.
installed_package_version() {
	local manifest="$REPO_ROOT/node_modules/mediasoup/package.json"
	[[ -f $manifest ]] || return 0
	sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$manifest" | head -n 1
}

check_package_version() {
	if [[ -n $installed_version && $installed_version != "$MEDIASOUP_VERSION" ]]; then
		die "node_modules/mediasoup is $installed_version but this script builds the worker of $MEDIASOUP_VERSION." \
			"They must be the same version: change MEDIASOUP_VERSION (and re-check the shims in" \
			"scripts/setup/mediasoup/, see docs/media-worker.md) together with package.json."
	fi
}

require_build_tools() {
	local missing=() tool module
	for tool in /usr/bin/meson /usr/bin/ninja g++ gcc pkg-config flatc npm tar patch flock timeout sha256sum; do
		command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
	done
	if command -v pkg-config >/dev/null 2>&1; then
		for module in libuv openssl libsrtp2; do
			pkg-config --exists "$module" || missing+=("pkg-config:$module")
		done
	fi
	[[ -f /usr/include/flatbuffers/flatbuffers.h ]] || missing+=("flatbuffers headers")
	if ((${#missing[@]} > 0)); then
		die "missing build dependencies: ${missing[*]}." \
			"Install: apt-get install g++ pkg-config meson ninja-build libuv1-dev libssl-dev" \
			"libsrtp2-dev libflatbuffers-dev flatbuffers-compiler patch"
	fi
}

# ---------------------------------------------------------------------------------------
# Fast path: a good cached binary.

installed_version=$(installed_package_version)
readonly installed_version
check_package_version

if [[ $rebuild != 1 ]] && problem=$(check_worker "$FINAL_BIN"); then
	log "cached worker for mediasoup $MEDIASOUP_VERSION is fine (TALKBUS_MEDIA_WORKER_REBUILD=1 to rebuild)"
	printf '%s\n' "$FINAL_BIN"
	exit 0
fi
[[ -e $FINAL_BIN && $rebuild != 1 ]] && log "cached worker $FINAL_BIN fails its check ($problem): rebuilding"

# ---------------------------------------------------------------------------------------
# Build.

require_build_tools
jobs=${TALKBUS_MEDIA_WORKER_JOBS:-$(nproc)}
build_timeout=${TALKBUS_MEDIA_WORKER_TIMEOUT:-900}
smoke=${TALKBUS_MEDIA_WORKER_SMOKE:-auto}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "TALKBUS_MEDIA_WORKER_JOBS must be a positive integer, not '$jobs'"
[[ $build_timeout =~ ^[1-9][0-9]*$ ]] || die "TALKBUS_MEDIA_WORKER_TIMEOUT must be seconds, not '$build_timeout'"
[[ $smoke == @(auto|1|0) ]] || die "TALKBUS_MEDIA_WORKER_SMOKE must be auto, 1 or 0, not '$smoke'"
mkdir -p -- "$CACHE_ROOT"

# Two setups at once (several engineers, parallel CI jobs on one cache) must not build the
# same thing twice or promote over each other; the second waits and then finds the cache.
exec {lock_fd}>"$CACHE_ROOT/.lock"
if ! flock -n "$lock_fd"; then
	log "another build holds $CACHE_ROOT/.lock; waiting (up to 20 min)"
	flock -w 1200 "$lock_fd" || die "timed out waiting for $CACHE_ROOT/.lock"
fi
# Checked again under the lock: another setup may have finished since the fast path looked.
if [[ $rebuild != 1 ]] && check_worker "$FINAL_BIN" >/dev/null; then
	log "another setup has just built it"
	printf '%s\n' "$FINAL_BIN"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/talkbus-mediasoup-$MEDIASOUP_VERSION.XXXXXX")
stage=''
cleanup() {
	[[ -n $stage && -d $stage ]] && rm -rf -- "$stage"
	if [[ ${TALKBUS_MEDIA_WORKER_KEEP_BUILD:-0} == 1 ]]; then
		log "build tree kept in $work"
	else
		rm -rf -- "$work"
	fi
}
trap cleanup EXIT

readonly log_file="$work/build.log"
readonly failed_log="$CACHE_ROOT/$CACHE_KEY.failed.log"
: >"$log_file"

# A build step failed: show the end of its log, keep the whole log where the user can
# read it after the temp dir is gone, and stop.
fail_step() {
	local message=$1
	cp -f -- "$log_file" "$failed_log" 2>/dev/null || true
	{
		printf '[%s] ---- last lines of the build log ----\n' "$TOOL"
		tail -n 40 -- "$log_file"
		printf '[%s] ---- full log: %s ----\n' "$TOOL" "$failed_log"
	} >&2
	die "$message"
}

started=$SECONDS
log "building mediasoup-worker $MEDIASOUP_VERSION (cache key $CACHE_KEY); this takes about 3 minutes on 2 cores"

# Sources: the workspace's own copy when it is the pinned version (npm has verified it),
# otherwise the tarball from the registry. Only worker/ is needed.
src="$work/worker"
if [[ $installed_version == "$MEDIASOUP_VERSION" ]]; then
	log "sources: $REPO_ROOT/node_modules/mediasoup/worker"
	# A postinstall that ran there may have left build output behind; it is not wanted.
	tar -C "$REPO_ROOT/node_modules/mediasoup" --exclude=./worker/out --exclude=./worker/subprojects \
		-cf - ./worker | tar -C "$work" --no-same-owner -xf - ||
		die "copying the sources out of node_modules/mediasoup failed"
else
	log "sources: npm pack mediasoup@$MEDIASOUP_VERSION"
	tarball=$(cd -- "$work" && timeout 180 npm pack --silent --prefer-offline \
		--pack-destination "$work" "mediasoup@$MEDIASOUP_VERSION" 2>>"$log_file" | tail -n 1) ||
		fail_step "npm pack mediasoup@$MEDIASOUP_VERSION failed"
	[[ -f $work/$tarball ]] || fail_step "npm pack did not produce a tarball (got '$tarball')"
	actual_sha256=$(sha256sum -- "$work/$tarball" | cut -d ' ' -f 1)
	[[ $actual_sha256 == "$MEDIASOUP_TARBALL_SHA256" ]] ||
		die "mediasoup-$MEDIASOUP_VERSION.tgz has sha256 $actual_sha256, expected $MEDIASOUP_TARBALL_SHA256"
	tar -C "$work" --no-same-owner -xzf "$work/$tarball" package/worker
	mv -- "$work/package/worker" "$src"
fi
[[ -f $src/meson.build ]] || die "no worker/meson.build in the mediasoup sources"

# Shims: the patches (meson version line, DTLS BIO callback), and replace every wrap (download) subproject with
# the local stubs that hand meson the Debian libraries.
for patch_file in "$SHIM_DIR"/*.patch; do
	patch -d "$src" -p1 --forward --batch --quiet <"$patch_file" >>"$log_file" 2>&1 ||
		fail_step "$(basename "$patch_file") does not apply (are these the sources of $MEDIASOUP_VERSION?)"
done
rm -rf -- "$src/subprojects"
cp -R -- "$SHIM_DIR/subprojects" "$src/subprojects"

build="$work/build"
log "meson setup ${MESON_SETUP_ARGS[*]}"
timeout 300 /usr/bin/meson setup "${MESON_SETUP_ARGS[@]}" "$build" "$src" >>"$log_file" 2>&1 ||
	fail_step "meson setup failed"

log "compiling with ninja -j$jobs (at most ${build_timeout}s)"
# Full ninja output goes to the log; stderr gets a progress line every 10%.
# (`|| status=...` rather than set +e: the ERR trap would still fire.)
ninja_status=0
timeout --kill-after=15 "$build_timeout" /usr/bin/ninja -C "$build" -j "$jobs" mediasoup-worker 2>&1 |
	tee -a -- "$log_file" |
	awk -v tool="$TOOL" '
		match($0, /^\[[0-9]+\/[0-9]+\]/) {
			split(substr($0, 2, RLENGTH - 2), n, "/")
			pct = int(100 * n[1] / n[2])
			if (pct >= next_pct || n[1] == n[2]) {
				printf "[%s] compiled %d/%d (%d%%)\n", tool, n[1], n[2], pct > "/dev/stderr"
				fflush("/dev/stderr")
				next_pct = pct - pct % 10 + 10
			}
		}' ||
	ninja_status=${PIPESTATUS[0]}
if ((ninja_status == 124 || ninja_status == 137)); then
	fail_step "compiling timed out after ${build_timeout}s (raise TALKBUS_MEDIA_WORKER_TIMEOUT)"
elif ((ninja_status != 0)); then
	fail_step "compiling failed (ninja exit status $ninja_status)"
fi
build_seconds=$((SECONDS - started))

problem=$(check_worker "$build/mediasoup-worker") ||
	die "the freshly built worker fails its check: $problem"

# Stage inside the cache directory (same file system), so that the final rename is
# atomic: the cache holds either no binary or a complete, checked one.
stage=$(mktemp -d "$CACHE_ROOT/.$CACHE_KEY.tmp-XXXXXX")
install -m 0755 -- "$build/mediasoup-worker" "$stage/mediasoup-worker"
cp -- "$log_file" "$stage/build.log"
{
	printf 'mediasoup %s, cache key %s, built %s on %s in %ss\n' \
		"$MEDIASOUP_VERSION" "$CACHE_KEY" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -srm)" "$build_seconds"
	printf 'meson setup %s\n' "${MESON_SETUP_ARGS[*]}"
	printf 'compiler: %s\n' "$(g++ --version | head -n 1)"
	printf 'debian packages:\n'
	dpkg-query -W -f='  ${Package} ${Version}\n' meson ninja-build g++ libuv1-dev libssl-dev \
		libsrtp2-dev libflatbuffers-dev flatbuffers-compiler 2>/dev/null || true
	printf 'shared libraries:\n'
	ldd "$stage/mediasoup-worker" | sed 's/^[[:space:]]*/  /'
} >"$stage/BUILD-INFO"

# The smoke test needs mediasoup's Node side and the pinned Node 24 from node_modules.
node_bin="$REPO_ROOT/node_modules/.bin/node"
smoke_test="$REPO_ROOT/test/media-worker/worker.test.ts"
smoke_ready=0
[[ -x $node_bin && -f $smoke_test && $installed_version == "$MEDIASOUP_VERSION" ]] && smoke_ready=1
case $smoke in
	0) log "smoke test skipped (TALKBUS_MEDIA_WORKER_SMOKE=0)" ;;
	auto | 1)
		if ((smoke_ready)); then
			log "smoke test: node --test test/media-worker/worker.test.ts"
			(cd -- "$REPO_ROOT" && MEDIASOUP_WORKER_BIN="$stage/mediasoup-worker" \
				timeout 180 "$node_bin" --test "$smoke_test") >>"$log_file" 2>&1 ||
				fail_step "the smoke test failed on the new worker; nothing was cached"
			cp -f -- "$log_file" "$stage/build.log"
			log "smoke test passed"
		elif [[ $smoke == 1 ]]; then
			die "TALKBUS_MEDIA_WORKER_SMOKE=1 but node_modules has no mediasoup $MEDIASOUP_VERSION or no" \
				"pinned Node; run npm ci first"
		else
			log "smoke test skipped: node_modules has no mediasoup $MEDIASOUP_VERSION yet" \
				"(after npm ci: node --test test/media-worker/worker.test.ts)"
		fi
		;;
	*) die "unreachable: TALKBUS_MEDIA_WORKER_SMOKE=$smoke" ;;
esac

chmod 0755 -- "$stage"
# Under the lock nobody else writes here; a stale or broken entry is replaced whole.
rm -rf -- "$FINAL_DIR"
mv -T -- "$stage" "$FINAL_DIR"
stage=''
rm -f -- "$failed_log"

log "built in ${build_seconds}s ($(du -h -- "$FINAL_BIN" | cut -f 1)), cached as $FINAL_BIN"
printf '%s\n' "$FINAL_BIN"
