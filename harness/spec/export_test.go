package spec

import "jbcheck.dev/jbcheck/harness/postgres"

// testServer is the test cluster TestMain starts, for the package's own
// tests.
var testServer *postgres.Server

// SetTestServer hands the test cluster to the package's own tests.
func SetTestServer(s *postgres.Server) { testServer = s }
