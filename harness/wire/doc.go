// Package wire is a PostgreSQL wire-protocol relay: an application in any
// language connects to it as to its database, and every statement it sends
// can be made to wait for a scheduler's grant — so that the interleaving
// engine (harness/interleave, External sessions) schedules a real
// application's SQL as it schedules its own connections.
//
// Each client connection gets a backend connection of its own (Config.Backend
// dials the real server: the harness's embedded cluster, through its
// private Unix socket). Messages are relayed as bytes; the relay decodes
// only what it must, and writes each direction's messages at once for as
// long as more are at hand.
//
// What it supports:
//
//   - startup: a GSSENCRequest is answered N, and so is an SSLRequest
//     unless Config.TLS is set: then the relay terminates TLS (answers S
//     and encrypts the client's connection, sslmode=require and stricter
//     work); otherwise the client goes on in plain text;
//   - authentication passed through untouched (trust, password, MD5,
//     SCRAM-SHA-256): the client and the server talk, the relay reads no
//     password;
//   - the simple and the extended protocol, pipelines, COPY in and out,
//     LISTEN/NOTIFY (notifications reach an idle client);
//   - cancel requests: see below;
//   - Config.Params added to every backend's startup (the engine's
//     session settings, which its WaitLog needs).
//
// Holding (Config.Hold, Relay.Hold), every step a client sends waits on
// Relay.Batches until the program forwards it (Batch.Forward). A step is
// one Query (or FunctionCall), or the messages up to a Sync containing an
// Execute; a batch ended by a Flush that contains an Execute opens a step
// that ends with the ReadyForQuery after its Sync (the messages between
// pass through). Other messages — Parse/Describe/Sync of a prepare, Close,
// COPY data — pass through. A step is held only once every earlier message
// of its connection has been answered, and the connection's next step only
// once it was forwarded (or cancelled): a connection's steps are
// sequential. Forward
// returns once the ReadyForQuery has reached the client, with the last
// command tag, the transaction status before and after, and the error.
// Batch.BackendPID is the backend that runs it, for the engine's blocked
// detection and lock-wait log.
//
// A cancel request (the client's new connection with the backend's key,
// which the relay passes on unchanged) for a statement the relay holds is
// answered by the relay: the statement never reaches the server; in its
// place the server runs a statement that fails with 57014 "canceling
// statement due to user request", so the client gets that error and the
// ReadyForQuery status a real cancel leaves ('E' inside a transaction
// block, which then fails as it would), and the connection goes on. The
// batch's Cancelled channel closes; its Forward reports the answer. A
// cancel for a statement already at the server is forwarded to the server.
//
// A client that disconnects leaves nothing behind: its held batch's Closed
// channel closes and its Forward returns ErrClosed at once, the backend
// gets a Terminate (its transaction rolls back, its locks go), and the
// connection's goroutines end. Messages it had sent that were not yet
// forwarded are dropped. Config.OnConn reports each connection opened and
// closed, so that a participant whose connection closed ends explicitly.
// Close ends every connection and every goroutine.
//
// What it does not do:
//
//   - split a batch: several Executes before one Sync are one step;
//   - attribute: a pooled connection's step belongs to whichever
//     participant the scheduler let run when it arrived — the relay
//     exposes the batch and the program decides;
//   - encrypt without Config.TLS: a client that requires encryption
//     (sslmode=require, verify-ca, verify-full) is refused by its own
//     driver once the relay answers N — give the relay a certificate
//     (Config.TLS), put a TLS terminator in front of it, or connect with
//     sslmode=disable or prefer; nor does it accept a TLS handshake
//     without an SSLRequest first (libpq's sslnegotiation=direct);
//   - hold what is not a step: a Parse that waits for a lock (parse
//     analysis locks the tables it names) waits outside the schedule;
//   - keep wall-clock timeouts deterministic: a cancel sent on a timer
//     arrives when it arrives.
package wire
