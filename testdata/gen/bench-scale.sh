#!/usr/bin/env bash
# make bench-scale: generates the synthetic organizations of testdata/gen at
# scales S, M and L, builds imagewarden, and for each scale reports the wall
# time, peak RSS and CPU time of
#   imagewarden analyze DIR -f json -o /dev/null --fixes=false --no-config --profile DIR.profile
# the share of each stage (from the profile's stages.json), and the
# decode-only time of the same files (read and JSON-decode every file once)
# with the ratio. Timing and RSS come from testdata/gen/cmd/measure
# (getrusage of the child), not /usr/bin/time, so that the figures mean the
# same on every system. Not part of `make test`: L alone can take hours with
# today's code.
#
# Environment:
#   SCALES="S M"        the scales to run (default "S M L")
#   SEED=1              the generator's seed
#   BENCH_TIMEOUT=20m   stop an analysis after this long (0: never)
#   BENCH_MAX_RSS=20GiB stop an analysis whose resident set passes this
#   BENCH_DIR=DIR       where to work (default: a new temporary directory);
#                       the profiles (S.profile/...) and figures (S.json)
#                       stay there
#   BENCH_KEEP=1        keep the generated inputs too (L is about 1 GB)
#   MANAGED_POLICIES=F  the AWS managed policies dataset (default: the
#                       generator's, ../shared/datasets/... beside the
#                       repository, else its built-in handful)
set -euo pipefail
cd "$(dirname "$0")/../.."

scales=${SCALES:-S M L}
seed=${SEED:-1}
timeout=${BENCH_TIMEOUT:-20m}
max_rss=${BENCH_MAX_RSS:-20GiB}
work=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/bench-scale.XXXXXX")}
mkdir -p "$work"

go build -o "$work/imagewarden" ./cmd/imagewarden
go build -o "$work/gen" ./testdata/gen
go build -o "$work/measure" ./testdata/gen/cmd/measure

echo "# bench-scale, $(date -u +%Y-%m-%d), $(nproc 2>/dev/null || sysctl -n hw.ncpu) cores, $(go version | cut -d' ' -f3), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "# stop after $timeout or $max_rss of resident set; work in $work"
for s in $scales; do
  rm -rf "${work:?}/$s" "$work/$s.profile"
  echo
  "$work/gen" -scale "$s" -seed "$seed" -out "$work/$s" ${MANAGED_POLICIES:+-managed-policies "$MANAGED_POLICIES"} | sed 's/^/    /'
  "$work/measure" scale -bin "$work/imagewarden" -dir "$work/$s" -name "$s (seed $seed)" \
    -timeout "$timeout" -max-rss "$max_rss" -json "$work/$s.json" 2> "$work/$s.log"
  grep -h "imagewarden: profile:" "$work/$s.log" | sed 's/^/    /' || true
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "${work:?}/$s"
done
echo
echo "Profiles: $work/<scale>.profile/{cpu,heap}.pprof (go tool pprof -top $work/imagewarden $work/S.profile/cpu.pprof); figures: $work/<scale>.json"
