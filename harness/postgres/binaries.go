package postgres

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// BinDirEnv names the environment variable that overrides where the server
// binaries are looked for.
const BinDirEnv = "JBCHECK_PG_BINDIR"

// installHint is what to do when no binaries are found.
const installHint = "install the Debian package postgresql-15 (apt-get install postgresql-15; `make` does this when run as root), " +
	"or set " + BinDirEnv + " to the directory holding initdb and postgres"

// Binaries is a directory holding a PostgreSQL server installation.
type Binaries struct {
	Dir     string // holds initdb and postgres
	Version string // as `postgres --version` prints it, such as "15.18"
	Major   int    // such as 15
}

// Path is the full path of the named program in the directory.
func (b Binaries) Path(program string) string { return filepath.Join(b.Dir, program) }

// FindBinaries locates the server binaries. A non-empty dir (or the
// JBCHECK_PG_BINDIR environment variable) is the only place looked at;
// otherwise the search goes through PATH, `pg_config --bindir`, then
// /usr/lib/postgresql/*/bin with the highest version first.
func FindBinaries(dir string) (Binaries, error) {
	if dir == "" {
		dir = os.Getenv(BinDirEnv)
	}
	candidates := []string{dir}
	if dir == "" {
		candidates = searchPath()
	}
	for _, c := range candidates {
		if b, err := probe(c); err == nil {
			return b, nil
		}
	}
	where := "PATH, pg_config --bindir, /usr/lib/postgresql/*/bin"
	if dir != "" {
		where = dir
	}
	return Binaries{}, fmt.Errorf("%w (looked in %s): %s", ErrNoBinaries, where, installHint)
}

func searchPath() []string {
	var dirs []string
	if p, err := exec.LookPath("postgres"); err == nil {
		// PATH often holds links to a version's directory (Debian's wrappers
		// and hand-made links): the directory is where the links lead, which
		// has the other programs too (pgbench, pg_ctl).
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	installed, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(installed, func(a, b string) int { return majorOf(b) - majorOf(a) })
	return append(dirs, installed...)
}

// majorOf reads the version directory of /usr/lib/postgresql/<major>/bin.
func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

var versionPattern = regexp.MustCompile(`\(PostgreSQL\) ((\d+)(\.\d+)?)`)

func probe(dir string) (Binaries, error) {
	b := Binaries{Dir: dir}
	if _, err := os.Stat(b.Path("initdb")); err != nil {
		return b, err
	}
	out, err := exec.Command(b.Path("postgres"), "--version").Output()
	if err != nil {
		return b, err
	}
	m := versionPattern.FindStringSubmatch(string(out))
	if m == nil {
		return b, fmt.Errorf("unrecognised version line %q", out)
	}
	b.Version = m[1]
	b.Major, _ = strconv.Atoi(m[2])
	return b, nil
}
