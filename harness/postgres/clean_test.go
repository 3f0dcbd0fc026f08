package postgres

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// deadPID is a process id no process can have: one past the kernel's
// largest.
func deadPID(t *testing.T) int {
	t.Helper()
	text, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Skipf("cannot read pid_max: %v", err)
	}
	max, err := strconv.Atoi(strings.TrimSpace(string(text)))
	if err != nil {
		t.Fatal(err)
	}
	return max + 1
}

// TestADSNDatabaseNamesItsRun: the database a DSN run creates carries, in
// its comment, this host, this process and when it started — and no
// password.
func TestADSNDatabaseNamesItsRun(t *testing.T) {
	dsn, user := userServer(t)
	s := startTest(t, Options{DSN: dsn})
	var comment string
	conn, err := user.Connect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(t.Context(), "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", s.ConnConfig().Database).Scan(&comment); err != nil {
		t.Fatal(err)
	}
	o, ok := parseOwner(comment)
	host, _ := os.Hostname()
	if !ok || o.Host != host || o.PID != os.Getpid() || time.Since(o.Started) < 0 || strings.Contains(comment, "sekrit-pw") {
		t.Errorf("comment %q: want this host, pid %d, a start time, no password", comment, os.Getpid())
	}
}

// TestCleanDropsOnlyTheDatabasesOfRunsThatAreGone: of the jbcheck_*
// databases on a server, clean drops the one whose run is gone from this
// host, keeps the one of a live run, one in use, one without a jbcheck
// comment or with a comment it cannot read, and one of a run on another
// host — until --older-than says that run is old enough — and never looks
// at any other database.
func TestCleanDropsOnlyTheDatabasesOfRunsThatAreGone(t *testing.T) {
	dsn, user := userServer(t)
	ctx := t.Context()
	host, _ := os.Hostname()
	admin, err := user.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	make1 := func(name string, comment string) {
		t.Helper()
		exec1(t, user, "CREATE DATABASE "+name+" OWNER app")
		if comment != "" {
			exec1(t, user, fmt.Sprintf("COMMENT ON DATABASE %s IS '%s'", name, comment))
		}
	}
	mark := func(o Owner) string {
		return ownerPrefix + fmt.Sprintf(`{"host":%q,"pid":%d,"started":%q}`, o.Host, o.PID, o.Started.Format(time.RFC3339))
	}
	dead := Owner{Host: host, PID: deadPID(t), Started: time.Now().Add(-time.Hour)}
	make1("jbcheck_dead", mark(dead))
	make1("jbcheck_inuse", mark(dead))
	make1("jbcheck_alive", mark(Owner{Host: host, PID: os.Getpid(), Started: time.Now()}))
	make1("jbcheck_unmarked", "")
	make1("jbcheck_garbled", ownerPrefix+"{not json")
	make1("jbcheck_elsewhere", mark(Owner{Host: "another-host.invalid", PID: 1, Started: time.Now().Add(-48 * time.Hour)}))
	make1("app_data", mark(dead))
	cfg := user.ConnConfig()
	cfg.Database = "jbcheck_inuse"
	busy, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close(context.Background())

	present := func() map[string]bool {
		out := map[string]bool{}
		rows, err := admin.Query(ctx, "SELECT datname FROM pg_database")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name string
			rows.Scan(&name)
			out[name] = true
		}
		return out
	}
	dry, err := Clean(ctx, dsn, CleanOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := present(); !got["jbcheck_dead"] || len(dry) != 6 {
		t.Errorf("a dry run dropped something, or did not list the six jbcheck_* databases: %v", dry)
	}
	if _, err := Clean(ctx, dsn, CleanOptions{}); err != nil {
		t.Fatal(err)
	}
	got := present()
	for name, want := range map[string]bool{"jbcheck_dead": false, "jbcheck_inuse": true, "jbcheck_alive": true,
		"jbcheck_unmarked": true, "jbcheck_garbled": true, "jbcheck_elsewhere": true, "app_data": true} {
		if got[name] != want {
			t.Errorf("after clean: %s there %v, want %v", name, got[name], want)
		}
	}
	if _, err := Clean(ctx, dsn, CleanOptions{OlderThan: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if got := present(); got["jbcheck_elsewhere"] || !got["jbcheck_alive"] || !got["jbcheck_unmarked"] {
		t.Errorf("after clean --older-than 24h: want the other host's two-day-old run's database gone, the rest kept: %v", got)
	}
}
