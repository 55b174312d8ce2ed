# kubeplay: `make serve` builds what is stale and serves the playground on
# http://localhost:8080; `make test` runs every test, the browser's included.

GO      ?= go
ADDR    ?= localhost:8080
GOFLAGS_BUILD := -trimpath

ENGINE_SRC := go.mod go.sum $(shell find engine cmd/wasm -name '*.go' -not -name '*_test.go')
IMAGE_NAMES := busybox hello-world pause perl servers stress
IMAGES := $(IMAGE_NAMES:%=wasmworkloads/bin/%.wasm)
WEB_SRC := web/build.mjs web/index.html $(wildcard web/src/*)

.SECONDEXPANSION:

.PHONY: all build images site serve test test-go test-race test-web test-realclients test-fuzz bench fuzz soak clean apigen apigen-check

all: build

build: site bin/kubeplay bin/serve

images: $(IMAGES)

# Go images are built by ./wasmworkloads/build: go build for wasip1 as WASI
# reactors that start from a snapshot (wasmworkloads/sdk/start), plus a
# build-time fix so the busybox shell can make pipes (see wasmbuild).
# busybox's awk is engine/shell/awk's interpreter.
IMAGE_TOOLS := go.mod go.sum $(shell find wasmworkloads/build wasmworkloads/internal wasmworkloads/sdk/start -name '*.go' -not -name '*_test.go' -not -path '*/testdata/*')

wasmworkloads/bin/busybox.wasm: $(IMAGE_TOOLS) $(shell find wasmworkloads/busybox wasmworkloads/sdk engine/shell/awk -name '*.go' -not -name '*_test.go')
	$(GO) run ./wasmworkloads/build -ldflags='-s -w' -o $@ ./wasmworkloads/busybox

wasmworkloads/bin/perl.wasm wasmworkloads/bin/stress.wasm: wasmworkloads/bin/%.wasm: $(IMAGE_TOOLS) $$(filter-out %_test.go,$$(wildcard wasmworkloads/$$*/*.go))
	$(GO) run ./wasmworkloads/build -ldflags='-s -w' -o $@ ./wasmworkloads/$*

# The HTTP servers (nginx, http-echo) are one module over the network SDK.
wasmworkloads/bin/servers.wasm: $(IMAGE_TOOLS) $(shell find wasmworkloads/servers wasmworkloads/sdk -name '*.go' -not -name '*_test.go')
	$(GO) run ./wasmworkloads/build -ldflags='-s -w' -o $@ ./wasmworkloads/servers

# pause and hello-world are a few hundred bytes of WebAssembly that a Go
# program writes.
wasmworkloads/bin/pause.wasm wasmworkloads/bin/hello-world.wasm: wasmworkloads/bin/%.wasm: wasmworkloads/%/main.go wasmworkloads/internal/wasmenc/wasmenc.go
	$(GO) run ./wasmworkloads/$* -o $@

# The engine is go build for js/wasm with patches that take out of wazero
# what the engine never runs (0.9 MB; see wasmworkloads/internal/wasmbuild)
# and make its interpreter dispatch fewer, cheaper operations,
# and with the Go runtime's mark workers in slices, so that a collection
# does not hold the browser's thread (see tools/jsgc). A plain
# `GOOS=js GOARCH=wasm go build ./cmd/wasm` makes an engine that does the
# same, larger, slower and with the collector's longer holds.
build/engine.wasm: $(ENGINE_SRC) $(IMAGE_TOOLS) tools/jsgc/main.go
	@mkdir -p build
	$(GO) run ./wasmworkloads/build -engine -overlay="$$($(GO) run ./tools/jsgc)" -ldflags='-s -w' -o $@ ./cmd/wasm

web/node_modules/.stamp: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

site: web/site/index.html

web/site/index.html: build/engine.wasm $(IMAGES) $(WEB_SRC) web/node_modules/.stamp
	node web/build.mjs

bin/kubeplay: $(ENGINE_SRC) $(IMAGES) $(shell find cmd/kubeplay wasmworkloads -maxdepth 1 -name '*.go')
	$(GO) build $(GOFLAGS_BUILD) -o $@ ./cmd/kubeplay

bin/serve: web/site/index.html $(shell find cmd/serve web/static -name '*.go' -not -name '*_test.go') web/embed.go
	$(GO) build $(GOFLAGS_BUILD) -o $@ ./cmd/serve

serve: build
	bin/serve -addr $(ADDR)

test: build test-go test-race test-web test-realclients test-fuzz

test-go:
	KUBEPLAY_E2E=1 $(GO) test -timeout 30m ./...

# test-race runs under the race detector a few of the chaos invariants'
# seeds (their clusters run side by side in one process, as nothing else
# does, and so show what clusters share without a lock) and kubeplay
# apiserver's test (the cluster driven by wall time from a goroutine of
# its own, beside the HTTP server's).
test-race:
	$(GO) test -race -timeout 15m -run '^TestInvariantsUnderChaos$$' ./engine/session -chaos.seeds=4 -chaos.steps=6
	$(GO) test -race -timeout 5m -run '^TestAPIServer' ./cmd/kubeplay

# test-realclients runs the real kubectl and a client-go informer against
# kubeplay apiserver. They are built in tools/realclients, a module of its
# own, so that k8s.io/kubectl's dependencies stay out of go.mod; the first
# run fetches them from the module proxy.
test-realclients: bin/kubeplay
	cd tools/realclients && KUBEPLAY=../../bin/kubeplay $(GO) test -timeout 30m ./...

test-web: web/node_modules/.stamp
	cd web && npm test

# bench runs every benchmark natively and in headless Chromium (the test
# binaries built for js/wasm) and writes the table into docs/benchmarks.md;
# BENCHFLAGS passes more, such as -only cluster or -native.
BENCHFLAGS ?=
bench: build
	$(GO) run ./e2e/bench -page -write $(BENCHFLAGS)

# fuzz runs each Fuzz function of the engine for FUZZTIME, one after another
# (plain `go test` runs only their seed corpora). FUZZFLAGS passes more,
# such as -parallel=1 on a busy machine.
FUZZTIME ?= 1m
FUZZFLAGS ?=
fuzz:
	@for f in $$(grep -rl --include='*_test.go' '^func Fuzz' engine); do \
	  d=$$(dirname $$f); \
	  for t in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
	    echo "fuzz ./$$d $$t"; \
	    $(GO) test ./$$d -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $(FUZZFLAGS) || exit 1; \
	  done; \
	done

# test-fuzz is the short run of the fuzz targets that `make test` (and so
# CI) does: each for TESTFUZZTIME, 200 inputs beyond its seed corpus. On
# the 2-core machine with an empty build cache the 15 targets take about
# 100 s, most of it building each package with the fuzzer's
# instrumentation (docs/reliability.md). A failure fails make test and
# leaves its input in the package's testdata/fuzz.
TESTFUZZTIME ?= 200x
test-fuzz:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TESTFUZZTIME)

# soak runs the chaos test of the cluster's invariants for SOAKSEEDS seeds
# (plain `go test` runs 100; a failing seed prints how to replay it) and
# the long run for 24 virtual hours (plain `go test` runs three).
SOAKSEEDS ?= 1000
soak:
	$(GO) test ./engine/session -run TestInvariantsUnderChaos -chaos.seeds=$(SOAKSEEDS) -timeout 0
	$(GO) test ./engine/session -run TestLongRun -longrun.hours=24 -v -timeout 0

# engine/api's resource types are generated from k8s.io/api by tools/apigen,
# a module of its own so that k8s.io never enters the engine's go.mod.
apigen:
	cd tools/apigen && $(GO) run . -out ../../engine/api
	cd tools/apigen && $(GO) run ./explaingen -out ../../engine/kubectl
	cd tools/realclients && $(GO) run ./helpgen -out ../../engine/kubectl

# apigen-check fails if the generated files differ from what apigen writes.
apigen-check:
	cd tools/apigen && $(GO) run . -out ../../engine/api -check
	cd tools/apigen && $(GO) run ./explaingen -out ../../engine/kubectl -check
	cd tools/realclients && $(GO) run ./helpgen -out ../../engine/kubectl -check

clean:
	rm -rf bin build web/site/assets web/site/index.html web/site/*.svg $(IMAGES)
