package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Privileges are the role attributes a mode of the harness needs on the
// server it connects to.
type Privileges struct {
	Superuser bool
	CreateDB  bool // a superuser has it implicitly
	// Why says what needs them, for the error: "schedule mode sets …".
	Why string
}

// databaseOfItsOwn is what every mode needs on a server reached through a
// DSN. Nothing needs a superuser: without one, schedule mode waits for the
// server's own deadlock detector instead of reading its log.
var databaseOfItsOwn = Privileges{CreateDB: true,
	Why: "jbcheck works only in a database of its own (jbcheck_*), which it creates and drops"}

// checkPrivileges reads the attributes of the role conn is logged in as and
// returns an error wrapping ErrPrivileges that names the role, what it lacks
// and why it is needed, or nil when it has everything need asks.
func checkPrivileges(ctx context.Context, conn *pgx.Conn, need Privileges) error {
	var role string
	var superuser, createDB bool
	if err := conn.QueryRow(ctx, "SELECT rolname, rolsuper, rolcreatedb FROM pg_roles WHERE rolname = current_user").
		Scan(&role, &superuser, &createDB); err != nil {
		return fmt.Errorf("reading the attributes of the role: %w", err)
	}
	var missing []string
	if need.Superuser && !superuser {
		missing = append(missing, "SUPERUSER")
	}
	if need.CreateDB && !createDB && !superuser {
		missing = append(missing, "CREATEDB")
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%w: role %s lacks %s: %s. Connect as a role that has it (ALTER ROLE %s %s, run by a superuser), "+
		"or leave out --dsn to use the embedded cluster (docs/security.md)",
		ErrPrivileges, role, strings.Join(missing, " and "), need.Why, role, strings.Join(missing, " "))
}
