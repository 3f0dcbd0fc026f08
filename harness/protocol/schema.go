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

// SchemaName is the PostgreSQL schema that holds v's tables.
func SchemaName(v Variant) string {
	return "jb_" + strings.ReplaceAll(v.Info().Name, "-", "_")
}

// Install creates v's schema and tables if they do not exist yet. It is safe
// to call from several connections at once.
func Install(ctx context.Context, conn *pgx.Conn, v Variant) error {
	schema := pgx.Identifier{SchemaName(v)}.Sanitize()
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// One installer at a time: CREATE ... IF NOT EXISTS races with itself.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('jbcheck install'))"); err != nil {
			return err
		}
		// Without arguments pgx sends these as simple queries, so one Exec may
		// hold several statements.
		ddl := "CREATE SCHEMA IF NOT EXISTS " + schema + "; SET LOCAL search_path TO " + schema + ";\n" + schemaSQL + "\n" + v.Schema()
		_, err := tx.Exec(ctx, ddl)
		return err
	})
	if err != nil {
		return fmt.Errorf("installing variant %s: %w", v.Info().Name, err)
	}
	return nil
}

// Configure points connections made from cfg at v's tables. Call it before
// connecting: the search path is sent at connection start, so that no extra
// statement runs on a client's session.
func Configure(cfg *pgx.ConnConfig, v Variant) {
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["search_path"] = SchemaName(v)
	if s, ok := v.(interface{ SessionSettings() map[string]string }); ok {
		for k, val := range s.SessionSettings() {
			cfg.RuntimeParams[k] = val
		}
	}
	cfg.RuntimeParams["application_name"] = "jbcheck " + v.Info().Name
}
