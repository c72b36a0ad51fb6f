# qm-build Makefile. `make` builds the programs into bin/ (qm-build,
# qm-build-manifest, qm-build-publish, org.osbuild.qm); `make hook` the OCI hook program
# (bin/qm-oci-hook); `make install PREFIX=…` installs the programs, man pages
# and completions; `make test` runs vet, gofmt, every test and each fuzz
# target for a second; `make fuzz` the fuzz targets longer; `make bench`
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
# osbuild/images (qm-build runs it for `manifest`); qm-build-publish, the only
# one that links the registry client (qm-build runs it for `publish --oci`);
# org.osbuild.qm, the osbuild stage. qm-build finds the others beside itself.
CMDS         := ./cmd/qm-build ./cmd/qm-build-manifest ./cmd/qm-build-publish ./cmd/org.osbuild.qm
# The semantic version from `git describe --tags` (hack/version.sh: 0.2.0 on
# the tag v0.2.0, 0.2.1-dev.3+gHASH three commits later, 0.0.0-dev+gHASH with
# no tag) and the commit; `qm-build --version` prints both.
TOOL_VERSION ?= $(shell hack/version.sh)
TOOL_COMMIT  ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# VERSION is QM's version for the compatibility aliases (make rpm, make qm_dropin_<x>).
VERSION      ?=
QMVERSION    := $(if $(VERSION),--pkg-version $(VERSION))
OUT          ?= out
# make install: where to (PREFIX, DESTDIR for packaging) and from where
# (BINDIR, the built programs).
PREFIX       ?= /usr/local
DESTDIR      ?=
BINDIR       ?= bin
TESTTIMEOUT  ?= 80m
BENCHTIME    ?= 1s
# BENCHCOUNT runs each benchmark that many times; test/benchratio reports
# the median (whole-process comparisons are already medians of ten runs).
BENCHCOUNT   ?= 1
# BENCH selects benchmarks, e.g. BENCH=Process for the whole-process ones.
BENCH        ?= .

.PHONY: all build hook test vet fmt bench rpm tools clean osbuild-stage-rpm install install-files fuzz

all: build

build:
	$(GO) build -trimpath -ldflags "-s -w -X main.toolVersion=$(TOOL_VERSION) -X main.toolCommit=$(TOOL_COMMIT)" -o bin/ $(CMDS)

hook:
	$(GO) build -trimpath -ldflags "-s -w" -o $(HOOK) ./cmd/qm-oci-hook

# make install PREFIX=… installs the four programs into PREFIX/bin (qm-build
# finds the other three beside itself), the man pages (docs/man) and the bash,
# zsh and fish completions (qm-build completion SHELL).
install: build
	$(MAKE) install-files

install-files:
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 0755 $(BINDIR)/qm-build $(BINDIR)/qm-build-manifest $(BINDIR)/qm-build-publish $(BINDIR)/org.osbuild.qm $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 docs/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	$(BINDIR)/qm-build completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/.qm-build.tmp
	mv $(DESTDIR)$(PREFIX)/share/bash-completion/completions/.qm-build.tmp $(DESTDIR)$(PREFIX)/share/bash-completion/completions/qm-build
	$(BINDIR)/qm-build completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/._qm-build.tmp
	mv $(DESTDIR)$(PREFIX)/share/zsh/site-functions/._qm-build.tmp $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_qm-build
	$(BINDIR)/qm-build completion fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/.qm-build.fish.tmp
	mv $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/.qm-build.fish.tmp $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/qm-build.fish

vet:
	$(GO) vet ./...

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# `make test` first installs (or checks) the real tools the tests use, so it works
# on a fresh machine with only Go: the README's test command needs no other step.
test: tools vet fmt
	$(GO) test -timeout $(TESTTIMEOUT) ./...
	FUZZTIME=2000x FUZZ_QUICK=1 GO=$(GO) test/tools/fuzz.sh

# Every fuzz target for FUZZTIME each (default 30s; see test/tools/fuzz.sh).
fuzz:
	GO=$(GO) test/tools/fuzz.sh

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
