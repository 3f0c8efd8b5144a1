# netemu — the two commands that matter:
#   sudo make up     install what is missing, build, bring up the seed lab
#   sudo make test   run every test (unit, integration on real namespaces, interop)

GO      ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
export GOTOOLCHAIN ?= auto
export PATH := $(PATH):/usr/local/go/bin
BIN     := bin/netemu
LAB     ?=
# `netemu version` prints it; without -ldflags netemu falls back to the
# module's build information.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: all setup build up down test unit vet fuzz bench clean ui

all: build

setup:
	@bash tests/setup.sh

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/netemu

# Rebuild the live view's front end (ui/dist, committed and embedded) from
# ui/web with the lockfile's versions. Only needed after changing ui/web.
ui:
	cd ui/web && npm ci --no-audit --no-fund && npx esbuild src/main.js --bundle --minify --target=es2020 \
		--outfile=../dist/app.js --legal-comments=external && cp src/index.html ../dist/index.html

# Bring up a lab (default: the seed lab embedded in the binary).
up: setup build
	./$(BIN) up $(LAB)

down: build
	./$(BIN) down --all

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# Every test. Integration tests need root; CI runs as root.
# Namespaces the tests leave behind fail the run and are removed; labs that
# were up before (a user's own) are neither reported nor touched.
test: setup vet build
	@before=$$(mktemp); ip netns list 2>/dev/null | awk '/^ne\./{print $$1}' >$$before; \
	$(GO) test -count=1 -timeout 40m ./...; rc=$$?; \
	left=$$(ip netns list 2>/dev/null | awk '/^ne\./{print $$1}' | grep -vxF -f $$before); rm -f $$before; \
	if [ -n "$$left" ]; then \
		echo "namespaces left behind by the tests:"; echo "$$left"; \
		for lab in $$(echo "$$left" | cut -d. -f2 | sort -u); do ./$(BIN) down $$lab >/dev/null 2>&1; done; \
		for ns in $$left; do ip netns del $$ns 2>/dev/null; done; \
		exit 1; \
	fi; \
	exit $$rc

# Unit tests only (no root needed).
unit:
	$(GO) test -count=1 ./topo/... ./fw/... ./routing/... ./nodes/...

# Short fuzzing of every wire and file parser.
fuzz:
	bash tests/fuzz.sh

# Benchmarks print tables; they are not part of `make test`.
bench: setup build
	bash tests/bench/run.sh

clean:
	rm -rf bin
