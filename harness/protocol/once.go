package protocol

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/model"
)

// once makes a writing call idempotent when its caller named it
// (OperationID): inside the call's transaction it first looks for the
// call's record — a retry of a call that committed gets the answer the
// call gave, and nothing runs twice — and after the body it records the
// answer, in the same transaction. Without an id, it is body.
func once(ctx context.Context, world int64, result *model.Result, body func(q querier) error) func(q querier) error {
	id := OperationID(ctx)
	if id == "" {
		return body
	}
	return func(q querier) error {
		var stored string
		err := q.QueryRow(ctx, "SELECT result FROM operations WHERE world = $1 AND id = $2", world, id).Scan(&stored)
		switch {
		case err == nil:
			*result = model.Result(stored)
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if err := body(q); err != nil {
			return err
		}
		_, err = q.Exec(ctx, "INSERT INTO operations (world, id, result) VALUES ($1, $2, $3)", world, id, string(*result))
		return err
	}
}
