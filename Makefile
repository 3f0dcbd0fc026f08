# jbcheck — see README.md. `make verify` is the release gate, `make test` the
# test suite; both start their own embedded PostgreSQL.

GO         ?= go
PG_PACKAGE ?= postgresql-15
BIN        := bin/jbcheck
# `make bench BENCH=Locking COUNT=10` narrows and repeats the benchmarks.
BENCH      ?= .
COUNT      ?= 5

.PHONY: all build test verify bench lint postgres clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/jbcheck

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

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

test: postgres lint
	$(GO) test -race -count=1 ./...

# The release gate, for now a sequence of commands; each must succeed.
FIVE_JOINS := c0: join(u0,g0); c1: join(u0,g0); c2: join(u0,g0); c3: join(u0,g0); c4: join(u0,g0)
verify: postgres build
	$(GO) test -count=1 -run 'Property' -v ./harness/property -rapid.checks=2000
	@echo "== the first flaky test: five concurrent joins, every schedule with at most 2 preemptions"
	$(BIN) explore --variant locking --strategy preempt=2 --scenario '$(FIVE_JOINS)'
	$(BIN) explore --variant serializable --strategy preempt=2 --scenario '$(FIVE_JOINS)'
	@echo "== the second flaky test: a read after a deposit, the background worker a scheduled client"
	$(BIN) explore --variant async-watermark --scenario 'c0: deposit(u0,5) balance(u0)'
	@echo "== every bug variant must be caught on its small scenario (exit 1)"
	@while IFS='|' read -r variant scenario world; do \
		$(BIN) explore --variant "$$variant" --scenario "$$scenario" $${world:+--world "$$world"} --out "out/verify/$$variant" >/dev/null 2>&1; \
		status=$$?; \
		if [ $$status -eq 1 ]; then echo "caught: $$variant"; else echo "ESCAPED (exit $$status): $$variant"; exit 1; fi; \
	done < docs/bug-scenarios.txt

bench: postgres
	$(GO) test -p 1 -run '^$$' -bench '$(BENCH)' -count $(COUNT) ./...

clean:
	rm -rf bin verify-report
