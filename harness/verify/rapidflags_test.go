package verify_test

// Imported so that every test binary accepts rapid's flags, and
// `go test ./... -run Property -rapid.checks=N` works across the module.
import _ "pgregory.net/rapid"
