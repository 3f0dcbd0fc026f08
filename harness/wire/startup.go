package wire

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Message codes of the startup phase.
const (
	cancelRequestCode = 80877102
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
)

// startup negotiates with the client (no SSL, no GSS encryption), connects
// the backend and passes authentication through. It returns false for a
// cancel request, which it has handled.
func (c *conn) startup() (bool, error) {
	for {
		body, err := readStartup(c.cr)
		if err != nil {
			return false, err
		}
		switch code := binary.BigEndian.Uint32(body); code {
		case sslRequestCode, gssEncRequestCode:
			if code == sslRequestCode && c.r.cfg.TLS != nil && c.client == c.raw {
				if err := c.startTLS(); err != nil {
					return false, err
				}
				continue
			}
			if _, err := c.client.Write([]byte{'N'}); err != nil {
				return false, err
			}
		case cancelRequestCode:
			var req pgproto3.CancelRequest
			if err := req.Decode(body); err != nil {
				return false, err
			}
			c.r.cancel(&req)
			return false, nil
		default:
			var sm pgproto3.StartupMessage
			if err := sm.Decode(body); err != nil {
				return false, err
			}
			if err := c.connect(&sm); err != nil {
				return false, err
			}
			return true, c.authenticate()
		}
	}
}

// startTLS accepts an SSLRequest: the rest of the connection is TLS.
func (c *conn) startTLS() error {
	if c.cr.Buffered() > 0 {
		return errors.New("the client sent data after its SSLRequest, before the answer")
	}
	if _, err := c.raw.Write([]byte{'S'}); err != nil {
		return err
	}
	tc := tls.Server(c.raw, c.r.cfg.TLS)
	ctx, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	c.client, c.cr = tc, bufio.NewReaderSize(tc, bufSize)
	return nil
}

// connect opens the backend connection and sends it the client's startup
// message, with the relay's parameters.
func (c *conn) connect(sm *pgproto3.StartupMessage) error {
	c.user = sm.Parameters["user"]
	c.database = sm.Parameters["database"]
	if c.database == "" {
		c.database = c.user
	}
	c.appName = sm.Parameters["application_name"]
	maps.Copy(sm.Parameters, c.r.cfg.Params)
	ctx, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	go func() {
		select {
		case <-c.dead:
			stop()
		case <-ctx.Done():
		}
	}()
	srv, err := c.r.cfg.Backend(ctx)
	if err != nil {
		c.fatal("could not connect to the server through the relay")
		return err
	}
	c.mu.Lock()
	c.server = srv
	c.mu.Unlock()
	if c.isDead() {
		srv.Close() // closed by Relay.Close meanwhile
		return errGone
	}
	c.sr = bufio.NewReaderSize(srv, bufSize)
	msg, err := sm.Encode(nil)
	if err == nil {
		_, err = srv.Write(msg)
	}
	return err
}

// fatal tells the client why its connection ends.
func (c *conn) fatal(message string) {
	msg, _ := (&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "08006", Message: message}).Encode(nil)
	c.client.Write(msg)
}

// authenticate relays the server's side of authentication and the
// client's answers, as bytes (a password is never decoded), up to the
// first ReadyForQuery. It keeps the backend's key data, for cancel
// requests and for blocked detection.
func (c *conn) authenticate() error {
	var out, in []byte
	flush := func() error {
		_, err := c.client.Write(out)
		out = out[:0]
		return err
	}
	for {
		start := len(out)
		var typ byte
		var err error
		if out, typ, err = readFrame(c.sr, out); err != nil {
			return err
		}
		body := out[start+5:]
		switch typ {
		case 'R':
			if len(body) < 4 {
				return errors.New("a short authentication message from the server")
			}
			switch binary.BigEndian.Uint32(body) {
			case pgproto3.AuthTypeCleartextPassword, pgproto3.AuthTypeMD5Password, pgproto3.AuthTypeGSS,
				pgproto3.AuthTypeGSSCont, pgproto3.AuthTypeSSPI, pgproto3.AuthTypeSASL, pgproto3.AuthTypeSASLContinue:
				if err := flush(); err != nil {
					return err
				}
				if in, _, err = readFrame(c.cr, in[:0]); err != nil {
					return err
				}
				if _, err := c.server.Write(in); err != nil {
					return err
				}
			}
		case 'K':
			if len(body) < 8 {
				return errors.New("a short BackendKeyData from the server")
			}
			c.pid = binary.BigEndian.Uint32(body)
			c.secret = bytes.Clone(body[4:])
		case 'S':
			c.parameter(body)
		case 'E':
			flush()
			return errors.New("the server refused the connection")
		case 'Z':
			if len(body) == 1 {
				c.status = body[0]
			}
			return flush()
		}
		if c.sr.Buffered() == 0 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}
