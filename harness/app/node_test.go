package app_test

import (
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"jbcheck.dev/jbcheck/harness/pgtest"
)

// nodeTests runs the example's own two tests (test/original.test.js,
// `node --test`) against version of the service, on the package's cluster.
func nodeTests(t *testing.T, version string) ([]byte, error) {
	t.Helper()
	cfg := pgtest.Server(t).ConnConfig()
	u := url.URL{Scheme: "postgresql", User: url.User(cfg.User), Host: "localhost", Path: "/" + cfg.Database}
	u.RawQuery = url.Values{"host": {cfg.Host}, "port": {strconv.Itoa(int(cfg.Port))}}.Encode()
	cmd := exec.Command("node", "--test", "test/")
	cmd.Dir = example("")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+u.String(), "SERVICE_VERSION="+version)
	return cmd.CombinedOutput()
}

// TestOriginalTestsPassOnTheFixedService: the example's two original-style
// tests — five concurrent joins by one user, a deposit then a balance
// read — pass against the fixed service, every time.
func TestOriginalTestsPassOnTheFixedService(t *testing.T) {
	needNode(t)
	for i := range 3 {
		if out, err := nodeTests(t, "fixed"); err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, out)
		}
	}
}

// TestOriginalTestsAreFlakyOnTheFlakyService: against the flaky service
// the same tests fail — as the originals did, by chance: it takes a few
// runs at most (the join race and the stale read are both wide open: 9
// runs of 10 failed when measured).
func TestOriginalTestsAreFlakyOnTheFlakyService(t *testing.T) {
	needNode(t)
	const runs = 10
	for i := range runs {
		out, err := nodeTests(t, "flaky")
		if _, exited := err.(*exec.ExitError); err != nil && !exited {
			t.Fatalf("run %d: %v\n%s", i+1, err, out)
		}
		if err != nil {
			t.Logf("run %d failed, as the original did:\n%s", i+1, out)
			return
		}
	}
	t.Fatalf("the flaky service passed its tests %d times in a row", runs)
}
