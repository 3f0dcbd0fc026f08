package postgres

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func startTest(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

// queryOne runs sql on a connection of its own and returns its one value.
func queryOne[T any](t *testing.T, s *Server, sql string) T {
	t.Helper()
	ctx := context.Background()
	conn, err := s.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v T
	if err := conn.QueryRow(ctx, sql).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func exec1(t *testing.T, s *Server, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := s.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// assertGone waits a little for the janitor, then fails if anything of the
// cluster is left: a process in its data directory or its temporary directory.
func assertGone(t *testing.T, root, data string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		pids := Processes(data)
		_, statErr := os.Stat(root)
		if len(pids) == 0 && errors.Is(statErr, os.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("left behind: processes %v, directory %s (stat: %v)", pids, root, statErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStartRunsARealServerAndStopLeavesNothing(t *testing.T) {
	s := startTest(t, Options{})
	if got := queryOne[int64](t, s, "SELECT 41 + 1"); got != 42 {
		t.Errorf("got %d, want 42", got)
	}
	if !strings.HasPrefix(s.Version(), "1") || !s.Embedded() {
		t.Errorf("version %q, embedded %v", s.Version(), s.Embedded())
	}
	root, data := s.embedded.root, s.DataDir()
	if len(Processes(data)) == 0 {
		t.Fatal("no process found in the data directory of a running cluster")
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, root, data)
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestCrashAndRestartKeepCommittedData(t *testing.T) {
	s := startTest(t, Options{Fsync: true})
	exec1(t, s, "CREATE TABLE survivors (n int)")
	exec1(t, s, "INSERT INTO survivors SELECT generate_series(1, 100)")
	if err := s.Crash(); err != nil {
		t.Fatal(err)
	}
	if pids := Processes(s.DataDir()); len(pids) != 0 {
		t.Fatalf("processes alive after Crash: %v", pids)
	}
	if _, err := s.Connect(context.Background()); err == nil {
		t.Fatal("connected to a crashed server")
	}
	if err := s.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := queryOne[int64](t, s, "SELECT sum(n) FROM survivors"), int64(5050); got != want {
		t.Errorf("after crash and restart: got %d, want %d", got, want)
	}
}

func TestTwoClustersRunAtOnce(t *testing.T) {
	a, b := startTest(t, Options{}), startTest(t, Options{})
	if a.ConnConfig().Host == b.ConnConfig().Host {
		t.Fatalf("both clusters listen in %s", a.ConnConfig().Host)
	}
	exec1(t, a, "CREATE TABLE only_in_a ()")
	if got := queryOne[int64](t, b, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"); got != 0 {
		t.Errorf("a table made in cluster a is visible in cluster b")
	}
}

func TestMissingBinariesNameThePackage(t *testing.T) {
	_, err := Start(context.Background(), Options{BinDir: t.TempDir()})
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("got %v, want ErrNoBinaries", err)
	}
	if !strings.Contains(err.Error(), "postgresql-15") || !strings.Contains(err.Error(), BinDirEnv) {
		t.Errorf("the error does not say what to install: %v", err)
	}
}

// childEnv marks the test binary run as a child that holds a cluster.
const childEnv = "JBCHECK_TEST_CLUSTER_CHILD"

// TestMain doubles as the child process of
// TestNoOrphansAfterTheHarnessIsKilled: with childEnv set, it starts a
// cluster, prints where it lives and waits to be killed.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "" {
		os.Exit(m.Run())
	}
	s, err := Start(context.Background(), Options{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	fmt.Println("cluster", s.embedded.root, s.DataDir())
	time.Sleep(time.Minute)
	s.Stop()
}

func TestNoOrphansAfterTheHarnessIsKilled(t *testing.T) {
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), childEnv+"=1")
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	var root, data string
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if f := strings.Fields(lines.Text()); len(f) == 3 && f[0] == "cluster" {
			root, data = f[1], f[2]
			break
		} else if len(f) > 0 && f[0] == "error" {
			t.Fatal(lines.Text())
		}
	}
	if data == "" || len(Processes(data)) == 0 {
		child.Process.Kill()
		t.Fatalf("the child did not report a running cluster")
	}
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	assertGone(t, root, data)
}
