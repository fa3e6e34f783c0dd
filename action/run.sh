#!/usr/bin/env bash
# run.sh: the diff step of the imagewarden GitHub Action (action.yml),
# also usable from any CI. Builds imagewarden from the action's own
# checkout unless IMAGEWARDEN_BIN names one, turns a binary plan into JSON
# with terraform show -json, and runs imagewarden diff --plan, writing the
# comment, SARIF and JSON to OUT_DIR. Its exit status is diff's (0 clean,
# 1 --fail-on matched or needs review, 2 error); the caller decides when
# to fail, after commenting and uploading.
#
# Environment:
#   PLAN           the plan: JSON (terraform show -json) or a binary plan file
#   CONTEXT        snapshot paths the plan applies to, separated by newlines
#   SOURCE         the directory of the .tf files ("" none)
#   FAIL_ON        the --fail-on severity ("" never fail on findings)
#   BASELINE       a baseline file (analyze --write-baseline) ("" none)
#   OUT_DIR        where to write comment.md, diff.sarif and diff.json
#   IMAGEWARDEN_BIN  a built imagewarden (default: build it here)
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT_DIR:?OUT_DIR is not set}
mkdir -p "$out"
bin=${IMAGEWARDEN_BIN:-}
if [ -z "$bin" ]; then
  bin="$out/imagewarden"
  (cd "$here" && go build -o "$bin" ./cmd/imagewarden) || exit 2
fi
plan=${PLAN:?PLAN is not set}
case "$plan" in
  *.json) json=$plan ;;
  *)
    json="$out/plan.json"
    terraform show -json -- "$plan" > "$json" || { echo "run.sh: terraform show -json $plan failed" >&2; exit 2; }
    ;;
esac
args=(diff --plan "$json" -f "markdown=$out/comment.md" -f "sarif=$out/diff.sarif" -f "json=$out/diff.json" -f table)
while IFS= read -r c; do
  [ -n "$c" ] && args+=(--context "$c")
done <<< "${CONTEXT:-}"
[ -n "${SOURCE:-}" ] && args+=(--source "$SOURCE")
[ -n "${FAIL_ON:-}" ] && args+=(--fail-on "$FAIL_ON")
[ -n "${BASELINE:-}" ] && args+=(--baseline "$BASELINE")
"$bin" "${args[@]}"
