.PHONY: test demo bench bench-scale
test:
	.ci/test.sh
demo:
	go run ./cmd/imagewarden analyze testdata/demo
bench:
	go test ./policies/aws/ ./analyzer/ -run XXX -bench . -benchmem
# Organization scale (docs/performance.md): S, M and L synthetic
# organizations, wall time, peak RSS, stages and decode-only time.
# SCALES="S M" skips L. Not part of make test.
bench-scale:
	testdata/gen/bench-scale.sh
