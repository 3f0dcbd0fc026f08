package postgres

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// superuser is the role initdb creates. The cluster listens on no TCP
// address: only on a Unix socket in a directory that only the harness and
// the cluster's OS user can enter, which is what the socket's trust rests on.
const superuser = "jbcheck"

// socketPort names the socket file (.s.PGSQL.5432). Every cluster has a
// socket directory of its own, so they can all use the same number.
const socketPort = 5432

// MaxConnections is the embedded cluster's max_connections.
const MaxConnections = 200

// maxSocketPath is the longest path a Unix socket can have on Linux
// (sizeof(sockaddr_un.sun_path) - 1).
const maxSocketPath = 107

// cluster is an embedded PostgreSQL cluster: a temporary directory holding
// the data directory, the socket directory and the server log, and at most one
// running postmaster.
type cluster struct {
	bin   Binaries
	root  string // temporary directory, removed on stop
	data  string // data directory, inside root
	fsync bool
	cred  *syscall.Credential // postgres' user when the harness runs as root

	postmaster *exec.Cmd
	exited     chan struct{} // closed once the postmaster has been reaped

	janitor    *exec.Cmd
	janitorEnd io.WriteCloser // closing it (or dying) tells the janitor to clean up
}

// startCluster runs initdb and starts the postmaster.
func startCluster(ctx context.Context, opts Options) (_ *cluster, err error) {
	bin, err := FindBinaries(opts.BinDir)
	if err != nil {
		return nil, err
	}
	c := &cluster{bin: bin, fsync: opts.Fsync}
	if c.cred, err = unprivilegedCredential(); err != nil {
		return nil, err
	}
	if c.root, err = os.MkdirTemp("", "jbcheck-pg-"); err != nil {
		return nil, fmt.Errorf("embedded postgres: %w", err)
	}
	c.data = filepath.Join(c.root, "data")
	defer func() {
		if err != nil {
			c.stop()
		}
	}()
	if err := c.startJanitor(); err != nil {
		return nil, err
	}
	if c.cred != nil {
		// A root-made temporary directory is not traversable by postgres.
		if err := os.Chown(c.root, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return nil, fmt.Errorf("embedded postgres: %w", err)
		}
	}
	if socket := filepath.Join(c.socketDir(), fmt.Sprintf(".s.PGSQL.%d", socketPort)); len(socket) > maxSocketPath {
		return nil, fmt.Errorf("embedded postgres: the socket path %s is longer than %d bytes: set TMPDIR to a shorter directory", socket, maxSocketPath)
	}
	if err := os.Mkdir(c.socketDir(), 0o700); err != nil {
		return nil, fmt.Errorf("embedded postgres: %w", err)
	}
	if c.cred != nil {
		if err := os.Chown(c.socketDir(), int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return nil, fmt.Errorf("embedded postgres: %w", err)
		}
	}
	// Trust on the private socket; any TCP connection is rejected, should
	// one ever be listened for.
	initdb := c.command(bin.Path("initdb"), "-D", c.data, "-U", superuser, "--auth-local=trust", "--auth-host=reject",
		"--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("embedded postgres: initdb: %w\n%s", err, out)
	}
	if err := c.start(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// unprivilegedCredential is the credential of the "postgres" user when the
// harness runs as root, and nil otherwise.
func unprivilegedCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("embedded postgres: running as root, initdb and postgres need an unprivileged user "+
			"and there is no user named postgres (%w): create it (useradd --system postgres) or run as another user", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (c *cluster) socketDir() string { return filepath.Join(c.root, "sock") }
func (c *cluster) logPath() string   { return filepath.Join(c.root, "postgres.log") }

// command prepares a server program to run as the unprivileged user, in its
// own process group so that a Ctrl-C meant for the harness does not reach it:
// the harness stops the cluster itself.
func (c *cluster) command(path string, args ...string) *exec.Cmd {
	cmd := exec.Command(path, args...)
	cmd.Env = []string{"LC_ALL=C", "LANG=C", "PATH=" + os.Getenv("PATH"), "TZ=UTC"}
	cmd.Dir = c.root
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: c.cred}
	return cmd
}

// start launches the postmaster and waits until it accepts connections, on
// the same socket as an earlier start: clients reconnect to the same place
// after a crash.
func (c *cluster) start(ctx context.Context) error {
	fsync := "off"
	if c.fsync {
		fsync = "on"
	}
	log, err := os.OpenFile(c.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	defer log.Close()
	logStart, _ := log.Seek(0, io.SeekEnd)
	cmd := c.command(c.bin.Path("postgres"), "-D", c.data,
		"-p", strconv.Itoa(socketPort), "-k", c.socketDir(),
		"-c", "listen_addresses=", "-c", "unix_socket_permissions=0700",
		// synchronous_commit stays on even without fsync: a commit is then
		// in the operating system's hands before it is acknowledged, so a
		// server crash (the processes die, the OS keeps what they wrote)
		// loses no acknowledged write. An OS crash is not modelled.
		"-c", "fsync="+fsync, "-c", "synchronous_commit=on", "-c", "full_page_writes="+fsync,
		// An asynchronous commit (synchronous_commit = off, a bug variant's
		// choice) reaches the WAL only on the WAL writer's next round: a
		// long round makes a crash right after one lose it every time.
		"-c", "wal_writer_delay=10s",
		// Nor may anyone else flush it meanwhile: an autovacuum worker's
		// commit or a background writer's page flushes the WAL before it,
		// and the same schedule would lose the commit only sometimes.
		// Worlds are fresh rows in small tables; runs are short.
		"-c", "autovacuum=off", "-c", "bgwriter_lru_maxpages=0",
		"-c", "max_connections="+strconv.Itoa(MaxConnections), "-c", "shared_buffers=64MB",
		"-c", "max_locks_per_transaction=256", "-c", "log_min_messages=warning",
		// The interleaving engine reads lock-wait lines (WaitLog): epoch
		// time in milliseconds and the backend's pid start each line.
		"-c", "log_line_prefix=%n [%p] ",
		// Deadlocks are resolved after this long; the default second makes
		// a run of a buggy, deadlock-prone variant crawl.
		"-c", "deadlock_timeout=100ms",
		// A backend waiting for a lock says so in its process title
		// (BackendFreezer.LockWait): the engine reads it instead of
		// asking the server about every statement that is slow to answer.
		"-c", "update_process_title=on",
		// Dynamic shared memory in files of the data directory, not in
		// /dev/shm's name space: a postmaster killed (a crash test) leaves
		// its segments behind, and they go with the directory.
		"-c", "dynamic_shared_memory_type=mmap",
	)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("embedded postgres: starting postmaster: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	c.postmaster, c.exited = cmd, exited

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-exited:
			return fmt.Errorf("embedded postgres: postmaster exited at start: %s", c.logSince(logStart))
		case <-ctx.Done():
			c.kill()
			return ctx.Err()
		default:
		}
		if c.ping(ctx) == nil {
			return nil
		}
		if time.Now().After(deadline) {
			c.kill()
			return fmt.Errorf("embedded postgres: not accepting connections after 60s: %s", c.logSince(logStart))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := pgconn.ConnectConfig(ctx, c.connConfig().Config.Copy())
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// connConfig reaches the cluster's default database through its socket.
func (c *cluster) connConfig() *pgx.ConnConfig {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d user=%s dbname=postgres", c.socketDir(), socketPort, superuser))
	if err != nil {
		panic(err) // a constant-shaped string: a programming error
	}
	return cfg
}

func (c *cluster) logSince(offset int64) string {
	b, _ := os.ReadFile(c.logPath())
	if offset < int64(len(b)) {
		b = b[offset:]
	}
	return strings.TrimSpace(string(b))
}

// shutdown asks the postmaster for a fast shutdown and waits for it; after
// ten seconds it kills the cluster instead.
func (c *cluster) shutdown() {
	if c.postmaster == nil {
		return
	}
	c.postmaster.Process.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
		c.postmaster = nil
	case <-time.After(10 * time.Second):
	}
	c.kill()
}

// kill SIGKILLs every process of the cluster at once, as a power cut would,
// and waits until none is left.
func (c *cluster) kill() {
	if c.postmaster != nil {
		c.postmaster.Process.Kill()
		<-c.exited
		c.postmaster = nil
	}
	for i := 0; i < 500; i++ {
		pids := Processes(c.data)
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop shuts the cluster down, removes its directory and dismisses the janitor.
func (c *cluster) stop() error {
	c.shutdown()
	err := os.RemoveAll(c.root)
	if c.janitorEnd != nil {
		c.janitorEnd.Close()
		c.janitor.Wait()
	}
	return err
}

// Processes lists the processes whose working directory is dataDir: the
// postmaster and all its children chdir there, so this finds every process of
// a cluster, even those orphaned by a postmaster that was killed.
func Processes(dataDir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && cwd == dataDir {
			pids = append(pids, pid)
		}
	}
	return pids
}

// janitorScript waits for end of input, which comes when the harness closes
// the pipe or dies, then kills every process left in the data directory ($2)
// and removes the cluster's directory ($1). It runs in its own process group,
// so neither a Ctrl-C at the terminal nor a kill of the harness' group stops it.
const janitorScript = `
cat >/dev/null
i=0
while [ $i -lt 200 ]; do
  found=
  for p in /proc/[0-9]*; do
    if [ "$(readlink "$p/cwd" 2>/dev/null)" = "$2" ]; then kill -KILL "${p#/proc/}" 2>/dev/null; found=1; fi
  done
  [ -z "$found" ] && break
  sleep 0.05; i=$((i+1))
done
rm -rf -- "$1"
`

func (c *cluster) startJanitor() error {
	cmd := exec.Command("/bin/sh", "-c", janitorScript, "jbcheck-janitor", c.root, c.data)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	in, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("embedded postgres: janitor: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("embedded postgres: janitor: %w", err)
	}
	c.janitor, c.janitorEnd = cmd, in
	return nil
}
