package postgres

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestADSNRoleThatMayNotCreateItsDatabaseIsToldSo: a role without CREATEDB
// is stopped before anything is created, with one message naming the role,
// the attribute and why; a CREATEDB role, superuser or not, is enough.
func TestADSNRoleThatMayNotCreateItsDatabaseIsToldSo(t *testing.T) {
	cluster := startTest(t, Options{})
	exec1(t, cluster, "CREATE ROLE plain LOGIN")
	exec1(t, cluster, "CREATE ROLE creator LOGIN CREATEDB")
	cfg := cluster.ConnConfig()
	dsn := func(role string) string {
		return fmt.Sprintf("host=%s port=%d user=%s dbname=postgres", cfg.Host, cfg.Port, role)
	}
	_, err := Start(t.Context(), Options{DSN: dsn("plain")})
	if !errors.Is(err, ErrPrivileges) || !strings.Contains(err.Error(), "plain") || !strings.Contains(err.Error(), "CREATEDB") ||
		!strings.Contains(err.Error(), "a database of its own") {
		t.Errorf("got %v, want ErrPrivileges naming the role, CREATEDB and why", err)
	}
	startTest(t, Options{DSN: dsn("creator")}) // fails the test if it cannot start
}
