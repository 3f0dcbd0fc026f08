package protocol

import "context"

type operationKey struct{}

// WithOperationID returns a context that names the call it runs: a caller
// that retries a call whose reply it never got (the connection was lost)
// retries it under the same id, and a variant that keeps its calls
// idempotent applies the call once, however often it is sent.
func WithOperationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, operationKey{}, id)
}

// OperationID is the id WithOperationID gave the call, or "" when the
// caller gave none.
func OperationID(ctx context.Context) string {
	id, _ := ctx.Value(operationKey{}).(string)
	return id
}
