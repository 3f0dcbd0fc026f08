package protocol

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed schema.sql
var schemaSQL string

// SchemaName is the PostgreSQL schema that holds v's tables. Runs that must
// not share tables with others (parallel explorers of a serializable variant,
// whose predicate locks would make them interfere) use schemas of their own,
// such as SchemaName(v)+"_1".
func SchemaName(v Variant) string {
	return "jb_" + strings.ReplaceAll(v.Info().Name, "-", "_")
}

// Install creates schema with v's tables, unless it exists already (the
// variant's own DDL may drop what schema.sql creates, so it runs once). It is
// safe to call from several connections at once.
func Install(ctx context.Context, conn *pgx.Conn, v Variant, name string) error {
	if err := InstallTables(ctx, conn, name, v.Schema()); err != nil {
		return fmt.Errorf("installing variant %s: %w", v.Info().Name, err)
	}
	return nil
}

// InstallTables creates schema name with the protocol's tables and then
// runs ddl in it (a variant's own, or an application's), unless the schema
// exists already. It is safe to call from several connections at once.
func InstallTables(ctx context.Context, conn *pgx.Conn, name, ddl string) error {
	schema := pgx.Identifier{name}.Sanitize()
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// One installer at a time: CREATE ... IF NOT EXISTS races with itself.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('jbcheck install'))"); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", name).Scan(&exists); err != nil || exists {
			return err
		}
		// Without arguments pgx sends these as simple queries, so one Exec may
		// hold several statements.
		all := "CREATE SCHEMA IF NOT EXISTS " + schema + "; SET LOCAL search_path TO " + schema + ";\n" + schemaSQL + "\n" + ddl
		_, err := tx.Exec(ctx, all)
		return err
	})
}

// Configure points connections made from cfg at v's tables in schema. It is
// what a harness connection needs (creating worlds, auditing, watching).
func Configure(cfg *pgx.ConnConfig, v Variant, schema string) {
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["search_path"] = schema
	cfg.RuntimeParams["application_name"] = "jbcheck " + v.Info().Name
}

// ConfigureClient is Configure plus the variant's own session settings (the
// serializable variant's isolation level), for connections that run the
// variant's operations. Settings are sent at connection start, so that no
// extra statement runs on a client's session.
func ConfigureClient(cfg *pgx.ConnConfig, v Variant, schema string) {
	Configure(cfg, v, schema)
	if s, ok := v.(interface{ SessionSettings() map[string]string }); ok {
		for k, val := range s.SessionSettings() {
			cfg.RuntimeParams[k] = val
		}
	}
}
