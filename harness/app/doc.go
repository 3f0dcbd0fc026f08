// Package app puts a real application under jbcheck: a service, in any
// language, that keeps the protocol's tables in PostgreSQL and answers the
// protocol's operations over HTTP.
//
// The service is started once per run (Config.Service) with its
// DATABASE_URL pointing at a PostgreSQL wire-protocol relay (harness/wire)
// that holds every statement until the interleaving engine grants it. A
// schedule's clients are engine sessions that make the scenario's calls as
// HTTP requests: sending a request is a step of its own, and every
// statement the service sends for it is one more step of the same session,
// until the answer comes, which the config maps to the model's output. The
// service's background job, if it has one, is one more session that
// triggers it over HTTP and sleeps between rounds, as the Go variants'
// workers do. Histories, verdicts, shrinking and replay are the schedule
// package's (schedule.Driver).
//
// Attribution: the engine moves one participant at a time and waits until
// every one has settled, so a statement arriving on a connection that no
// call in flight owns belongs to the one participant whose call is in
// flight and not at a step; it then owns that connection until its call is
// answered.
package app
