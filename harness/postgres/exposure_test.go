package postgres

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// asOtherUser runs psql as the unprivileged account nobody, with a clean
// environment (no PGPASSWORD, no service file), and returns its output and
// whether it succeeded.
func asOtherUser(t *testing.T, psql string, args ...string) (string, bool) {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no account named nobody to play another local user: %v", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	cmd := exec.Command(psql, args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "LC_ALL=C"}
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// TestAnotherOSUserCannotConnect: while the embedded cluster runs, another
// local account (nobody) can reach it neither over loopback TCP nor through
// its Unix socket — the harness itself still can — and pg_hba.conf trusts
// no TCP connection.
func TestAnotherOSUserCannotConnect(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a program as another OS account")
	}
	s := startTest(t, Options{})
	psql := s.embedded.bin.Path("psql")
	if _, err := os.Stat(psql); err != nil {
		t.Skipf("no psql beside the server binaries: %v", err)
	}
	if out, ok := asOtherUser(t, psql, "--version"); !ok {
		t.Fatalf("nobody cannot run psql at all, so the test would prove nothing: %s", out)
	}
	port := strconv.Itoa(socketPort)
	attempts := map[string]string{
		"loopback TCP": "host=127.0.0.1 port=" + port,
		"Unix socket":  "host=" + s.embedded.socketDir() + " port=" + port,
	}
	for name, where := range attempts {
		dsn := where + " user=" + superuser + " dbname=postgres connect_timeout=5 sslmode=disable"
		out, ok := asOtherUser(t, psql, "-X", "-At", "-d", dsn, "-c", "SELECT 'reached ' || current_user")
		if ok || strings.Contains(out, "reached") {
			t.Errorf("over %s, another OS user ran SQL on the embedded cluster as %s:\n%s", name, superuser, out)
		}
	}
	if got := queryOne[int64](t, s, "SELECT 1"); got != 1 {
		t.Errorf("the harness itself cannot query its cluster")
	}
	hba, err := os.ReadFile(filepath.Join(s.DataDir(), "pg_hba.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(hba), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "host") && f[len(f)-1] == "trust" {
			t.Errorf("pg_hba.conf trusts TCP connections: %q", line)
		}
	}
}
