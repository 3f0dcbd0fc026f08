package wire_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/wire"
)

// selfSigned is a TLS configuration with a fresh self-signed certificate
// for 127.0.0.1.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "jbcheck relay test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// TestTLSTermination: with Config.TLS, a client that requires TLS
// (sslmode=require) connects encrypted, its statements are held and
// forwarded, and its cancel request — sent over TLS too — cancels a held
// statement. Without it, such a client is refused by its own driver.
func TestTLSTermination(t *testing.T) {
	ctx := context.Background()
	user := pgtest.Server(t).ConnConfig().User
	plain := startRelay(t, wire.Config{})
	if _, err := pgx.Connect(ctx, strings.Replace(plain.URL(user, "postgres"), "sslmode=disable", "sslmode=require", 1)); err == nil {
		t.Error("sslmode=require connected through a relay without TLS")
	}
	r := startRelay(t, wire.Config{TLS: selfSigned(t), Hold: true})
	conn, err := pgconn.Connect(ctx, r.URL(user, "postgres")) // sslmode=require
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, ok := conn.Conn().(*tls.Conn); !ok {
		t.Fatalf("the client's connection is a %T, not TLS", conn.Conn())
	}
	b, done := heldQuery(t, r, conn, "SELECT 1")
	if _, _, _, err := b.Forward(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	b, done = heldQuery(t, r, conn, "SELECT 2")
	if err := conn.CancelRequest(ctx); err != nil {
		t.Fatal(err)
	}
	var pgErr *pgconn.PgError
	if err := <-done; !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("after a cancel over TLS: %v, want 57014", err)
	}
	b.Forward(ctx)
}
