package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Owner is the run that made a jbcheck_* database, as the database's
// comment records it: enough for `jbcheck clean` to tell whether the run is
// gone, and nothing secret.
type Owner struct {
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
}

// ownerPrefix starts every comment jbcheck puts on a database it creates.
const ownerPrefix = "jbcheck run "

// thisRun is the owner of the databases this process creates.
func thisRun() Owner {
	host, _ := os.Hostname()
	return Owner{Host: host, PID: os.Getpid(), Started: time.Now().UTC().Truncate(time.Second)}
}

func (o Owner) String() string {
	return fmt.Sprintf("%s pid %d, started %s", o.Host, o.PID, o.Started.Format(time.RFC3339))
}

// parseOwner reads a database's comment; false when it is missing or not one
// jbcheck wrote.
func parseOwner(comment string) (Owner, bool) {
	text, ok := strings.CutPrefix(comment, ownerPrefix)
	if !ok {
		return Owner{}, false
	}
	var o Owner
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil || o.Host == "" || o.PID <= 0 || o.Started.IsZero() {
		return Owner{}, false
	}
	return o, true
}

// markDatabase puts o in the comment of the database name.
func markDatabase(ctx context.Context, conn *pgx.Conn, name string, o Owner) error {
	text, err := json.Marshal(o)
	if err != nil {
		return err
	}
	// COMMENT takes no parameters: the server quotes the name and the text.
	var stmt string
	if err := conn.QueryRow(ctx, "SELECT format('COMMENT ON DATABASE %I IS %L', $1::text, $2::text)", name, ownerPrefix+string(text)).Scan(&stmt); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, stmt)
	return err
}
