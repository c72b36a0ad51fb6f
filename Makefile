# qm-build Makefile. `make` builds the programs into bin/ (qm-build,
# qm-build-manifest, org.osbuild.qm); `make hook` the OCI hook program
# (bin/qm-oci-hook); `make test` runs vet, gofmt and every test; `make bench`
# the benchmarks; `make tools` installs the real verifiers the tests use.

GO        ?= go
# osbuild/images needs containers_image_openpgp always (no gpgme/cgo) and
# exclude_graphdriver_btrfs when cgo is on; CGO_ENABLED=0 keeps the binary static
# and go-rpmutils off its cgo zstd.
TAGS      := containers_image_openpgp,exclude_graphdriver_btrfs
export CGO_ENABLED := 0
export GOFLAGS     := -tags=$(TAGS) -buildvcs=false

BIN          := bin/qm-build
# The OCI hook program of the qm-oci-hooks package, for the machine's
# architecture or GOARCH's (`GOARCH=arm64 make hook`); `qm-build rpm
# --hook-binary $(HOOK)` packages it.
HOOK         := bin/qm-oci-hook
# The programs: qm-build; qm-build-manifest, the only one that links
# osbuild/images (qm-build runs it for `manifest`); org.osbuild.qm, the osbuild
# stage. qm-build finds the other two beside itself.
CMDS         := ./cmd/qm-build ./cmd/qm-build-manifest ./cmd/org.osbuild.qm
TOOL_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0-dev)
# VERSION is QM's version for the compatibility aliases (make rpm, make qm_dropin_<x>).
VERSION      ?=
QMVERSION    := $(if $(VERSION),--pkg-version $(VERSION))
OUT          ?= out
TESTTIMEOUT  ?= 80m
BENCHTIME    ?= 1s
# BENCHCOUNT runs each benchmark that many times; test/benchratio reports
# the median (whole-process comparisons are already medians of ten runs).
BENCHCOUNT   ?= 1
# BENCH selects benchmarks, e.g. BENCH=Process for the whole-process ones.
BENCH        ?= .

.PHONY: all build hook test vet fmt bench rpm tools clean osbuild-stage-rpm

all: build

build:
	$(GO) build -trimpath -ldflags "-s -w -X main.toolVersion=$(TOOL_VERSION)" -o bin/ $(CMDS)

hook:
	$(GO) build -trimpath -ldflags "-s -w" -o $(HOOK) ./cmd/qm-oci-hook

vet:
	$(GO) vet ./...

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# `make test` first installs (or checks) the real tools the tests use, so it works
# on a fresh machine with only Go: the README's test command needs no other step.
test: tools vet fmt
	$(GO) test -timeout $(TESTTIMEOUT) ./...

# Benchmarks, with comparisons against the real tools printed side by side.
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -count $(BENCHCOUNT) -timeout 60m ./... | $(GO) run ./test/benchratio

# Compatibility aliases for people used to upstream qm's Makefile.
rpm: build
	$(BIN) rpm $(QMVERSION) --out $(OUT)/rpms

qm_dropin_%: build hook
	$(BIN) rpm $(QMVERSION) --out $(OUT)/rpms --hook-binary $(HOOK) --dropin $*

# The org.osbuild.qm osbuild stage packaged as the osbuild-stage-qm RPM: the
# stage program (bin/org.osbuild.qm) and its .meta.json under
# /usr/lib/osbuild/stages/, built for the program's architecture by
# qm-build's own RPM writer.
osbuild-stage-rpm: build
	$(BIN) osbuild-stage rpm --binary bin/org.osbuild.qm --out $(OUT)/rpms

tools:
	test/tools/install-verifiers.sh

clean:
	rm -rf bin $(OUT)
