# jbcheck — see README.md. `make verify` is the release gate, `make test` the
# test suite; both start their own embedded PostgreSQL.

GO         ?= go
PG_PACKAGE ?= postgresql-15
CHROMIUM_PACKAGE ?= chromium
NODE_PACKAGES ?= nodejs npm
BIN        := bin/jbcheck
# `make bench BENCH=Locking COUNT=10` narrows and repeats the benchmarks.
# `make repro-<bug>` replays a corpus counterexample (docs/guarantees.md).
BENCH      ?= .
COUNT      ?= 5

.PHONY: all build test verify bench lint postgres chromium node node-service clean

all: build

build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/jbcheck

# The PostgreSQL server binaries (initdb, postgres). Installed with apt-get
# when missing and possible; otherwise the message names the package.
postgres:
	@if [ -n "$$JBCHECK_PG_BINDIR" ] || command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make: PostgreSQL server binaries missing: installing $(PG_PACKAGE) with apt-get"; \
		apt-get update -qq && \
		(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PG_PACKAGE) || \
		 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql); \
	else \
		echo "make: PostgreSQL server binaries (initdb, postgres) not found."; \
		echo "      Install the Debian package $(PG_PACKAGE) (sudo apt-get install $(PG_PACKAGE)),"; \
		echo "      or set JBCHECK_PG_BINDIR to the directory that holds them."; \
		exit 2; \
	fi

# Headless Chromium, for the browser test of the report pages and pictures
# (cmd/jbcheck, TestBrowser…). Installed with apt-get when missing and
# possible; otherwise the message names the package, and the test fails.
chromium:
	@if [ -n "$$JBCHECK_CHROMIUM" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make: headless Chromium missing: installing $(CHROMIUM_PACKAGE) with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(CHROMIUM_PACKAGE); \
	else \
		echo "make: headless Chromium (chromium) not found."; \
		echo "      Install the Debian package $(CHROMIUM_PACKAGE) (sudo apt-get install $(CHROMIUM_PACKAGE)),"; \
		echo "      or set JBCHECK_CHROMIUM to its binary."; \
		exit 2; \
	fi

# Node.js and npm, for the relay's test with Node's pg driver (harness/wire,
# TestScramWithNode). Installed with apt-get when missing and possible;
# otherwise the message names the packages, and the test fails.
node:
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make: Node.js missing: installing $(NODE_PACKAGES) with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(NODE_PACKAGES); \
	else \
		echo "make: Node.js (node, npm) not found."; \
		echo "      Install the Debian packages $(NODE_PACKAGES) (sudo apt-get install $(NODE_PACKAGES))."; \
		exit 2; \
	fi

# The example application's dependencies (examples/node-service: node-postgres,
# from package-lock.json), for harness/app's tests and `jbcheck explore --app`.
node-service: node
	cd examples/node-service && npm ci --no-audit --no-fund --loglevel=error

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

# -timeout: a package binary's limit (10 min by default). cmd/jbcheck takes
# about 5 min on 2 cores and has taken over 9 under load; a slow machine is
# not a failure of the code.
test: postgres chromium node node-service lint
	$(GO) test -race -count=1 -timeout 25m ./...

# The release gate: every correct variant holds every guarantee, every bug
# variant is caught (jbcheck help verify). The report goes to verify-report/.
verify: postgres build
	$(BIN) verify --out verify-report

# make repro-<bug>: replay the corpus counterexample of a bug variant. It
# succeeds when the violation is reproduced (replay exits 1) and fails
# otherwise. One target per file of histories/corpus/.
BUGS  := $(basename $(notdir $(wildcard histories/corpus/*.jsonl)))
REPRO := $(addprefix repro-,$(BUGS))
.PHONY: repro $(REPRO)
repro: $(REPRO)
$(REPRO): repro-%: postgres build
	@$(BIN) replay --out out/repro/$* histories/corpus/$*.jsonl; status=$$?; \
	if [ $$status -eq 1 ]; then echo "make: reproduced $* (out/repro/$*/)"; \
	else echo "make: $* did NOT reproduce (jbcheck replay exit $$status)"; exit 1; fi

# make docs: regenerate what docs/ holds generated — the isolation-level
# matrix of docs/guarantees.md (jbcheck help matrix; about two minutes).
.PHONY: docs
docs: postgres build
	$(BIN) matrix --update docs/guarantees.md

bench: postgres
	$(GO) test -p 1 -run '^$$' -bench '$(BENCH)' -count $(COUNT) ./...

clean:
	rm -rf bin verify-report out
