.PHONY: test demo bench
test:
	.ci/test.sh
demo:
	go run ./cmd/imagewarden analyze testdata/demo
bench:
	go test ./policies/aws/ ./analyzer/ -run XXX -bench . -benchmem
