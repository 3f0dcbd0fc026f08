package record

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck.dev/jbcheck/histories"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want histories.Kind
	}{
		{"no error: it happened", nil, histories.OK},
		{"a serialization failure rolled it back", &pgconn.PgError{Code: "40001"}, histories.Fail},
		{"a deadlock victim was rolled back", fmt.Errorf("join: %w", &pgconn.PgError{Code: "40P01"}), histories.Fail},
		{"a unique violation aborted the transaction", &pgconn.PgError{Code: "23505"}, histories.Fail},
		{"a cancelled statement may have happened", &pgconn.PgError{Code: "57014"}, histories.Info},
		{"a syntax error is not proof of anything", &pgconn.PgError{Code: "42601"}, histories.Info},
		{"a timeout may have happened", context.DeadlineExceeded, histories.Info},
		{"a lost connection may have happened", errors.New("unexpected EOF"), histories.Info},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %s, want %s", tt.err, got, tt.want)
			}
		})
	}
}
