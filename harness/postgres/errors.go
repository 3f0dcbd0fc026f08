package postgres

import "errors"

var (
	// ErrNoBinaries reports that the PostgreSQL server binaries were not found.
	ErrNoBinaries = errors.New("postgresql server binaries not found")
	// ErrNotEmbedded reports a call that needs the embedded cluster (Crash,
	// Restart) on a server reached through a DSN.
	ErrNotEmbedded = errors.New("only the embedded cluster can be crashed or restarted")
	// ErrNotOurs reports an attempt to drop a database the harness did not make.
	ErrNotOurs = errors.New("refusing to drop a database not named jbcheck_*")
	// ErrPrivileges reports a role that lacks an attribute the harness needs
	// (a DSN role that may not create jbcheck's own database).
	ErrPrivileges = errors.New("the role lacks a privilege jbcheck needs")
	// ErrStopped reports a call on a server that was already stopped.
	ErrStopped = errors.New("server already stopped")
)
