package spec_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/spec"
)

var server *postgres.Server

func TestMain(m *testing.M) {
	s, err := postgres.Start(context.Background(), postgres.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "spec tests:", err)
		os.Exit(2)
	}
	server = s
	spec.SetTestServer(s)
	code := m.Run()
	s.Stop()
	os.Exit(code)
}
