package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCheckPrivilegesNamesWhatIsMissingAndWhy(t *testing.T) {
	cluster := startTest(t, Options{})
	exec1(t, cluster, "CREATE ROLE creator LOGIN CREATEDB")
	cfg := cluster.ConnConfig()
	s := startTest(t, Options{DSN: fmt.Sprintf("host=%s port=%d user=creator dbname=postgres", cfg.Host, cfg.Port)})
	ctx := context.Background()
	if err := s.CheckPrivileges(ctx, Privileges{CreateDB: true, Why: "runs create databases"}); err != nil {
		t.Errorf("a CREATEDB role lacks CREATEDB: %v", err)
	}
	err := s.CheckPrivileges(ctx, Privileges{Superuser: true, Why: "sessions set deadlock_timeout"})
	if !errors.Is(err, ErrPrivileges) || !strings.Contains(err.Error(), "creator") || !strings.Contains(err.Error(), "SUPERUSER") ||
		!strings.Contains(err.Error(), "sessions set deadlock_timeout") {
		t.Errorf("got %v, want ErrPrivileges naming the role, SUPERUSER and why", err)
	}
	exec1(t, cluster, "ALTER ROLE creator SUPERUSER")
	if err := s.CheckPrivileges(ctx, Privileges{Superuser: true, CreateDB: true}); err != nil {
		t.Errorf("a superuser: %v", err)
	}
	if err := cluster.CheckPrivileges(ctx, Privileges{Superuser: true, CreateDB: true}); err != nil {
		t.Errorf("the embedded cluster's own role: %v", err)
	}
}
