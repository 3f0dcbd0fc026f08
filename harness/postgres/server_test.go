package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// userServer plays the user's own server, reached through a DSN: an embedded
// cluster with a password-protected role.
func userServer(t *testing.T) (dsn string, cluster *Server) {
	t.Helper()
	cluster = startTest(t, Options{})
	exec1(t, cluster, "CREATE ROLE app LOGIN CREATEDB PASSWORD 'sekrit-pw'")
	cfg := cluster.ConnConfig()
	return fmt.Sprintf("postgres://app:sekrit-pw@/postgres?host=%s&port=%d", cfg.Host, cfg.Port), cluster
}

func countDatabases(t *testing.T, s *Server, name string) int64 {
	return queryOne[int64](t, s, "SELECT count(*) FROM pg_database WHERE datname = '"+name+"'")
}

func TestDSNGetsItsOwnDatabaseAndDropsIt(t *testing.T) {
	dsn, user := userServer(t)
	s, err := Start(context.Background(), Options{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	name := s.ConnConfig().Database
	if !ownName.MatchString(name) {
		t.Fatalf("harness database %q is not named jbcheck_*", name)
	}
	if got := countDatabases(t, user, name); got != 1 {
		t.Fatalf("database %s not created", name)
	}
	if strings.Contains(s.String(), "sekrit-pw") {
		t.Errorf("the description shows the password: %s", s)
	}
	if err := s.Crash(); !errors.Is(err, ErrNotEmbedded) {
		t.Errorf("Crash with a DSN: got %v, want ErrNotEmbedded", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if got := countDatabases(t, user, name); got != 0 {
		t.Errorf("database %s still exists after Stop", name)
	}
	if got := countDatabases(t, user, "postgres"); got != 1 {
		t.Errorf("the DSN's own database was touched")
	}
}

func TestDSNKeepsTheDatabaseWhenAsked(t *testing.T) {
	dsn, user := userServer(t)
	s, err := Start(context.Background(), Options{DSN: dsn, KeepDatabase: true})
	if err != nil {
		t.Fatal(err)
	}
	name := s.ConnConfig().Database
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if got := countDatabases(t, user, name); got != 1 {
		t.Errorf("database %s was dropped despite KeepDatabase", name)
	}
}

func TestDropRefusesDatabasesItDidNotMake(t *testing.T) {
	_, user := userServer(t)
	ctx := context.Background()
	conn, err := user.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, name := range []string{"postgres", "jbcheck", "jbcheck_x; DROP DATABASE postgres", "app_jbcheck_1"} {
		if err := dropDatabase(ctx, conn, name); !errors.Is(err, ErrNotOurs) {
			t.Errorf("dropDatabase(%q) = %v, want ErrNotOurs", name, err)
		}
	}
	if got := countDatabases(t, user, "postgres"); got != 1 {
		t.Errorf("database postgres is gone")
	}
}

func TestABadDSNDoesNotEchoThePassword(t *testing.T) {
	_, err := Start(context.Background(), Options{DSN: "postgres://app:sekrit-pw@127.0.0.1:notaport/x"})
	if err == nil || strings.Contains(err.Error(), "sekrit-pw") {
		t.Errorf("got %v, want an error without the password", err)
	}
}
