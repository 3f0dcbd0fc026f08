package protocol

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/model"
)

// Variant is one implementation of the protocol. Every operation runs on the
// caller's connection and returns the protocol's answer, or an error when it
// could not answer (the runner decides whether the operation happened).
type Variant interface {
	// Info names and documents the variant.
	Info() Info
	// Schema is DDL run after the shared schema.sql, in the variant's own
	// PostgreSQL schema; "" for none.
	Schema() string

	Join(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error)
	Leave(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error)
	Deposit(ctx context.Context, conn *pgx.Conn, world int64, user string, amount int64) error
	Transfer(ctx context.Context, conn *pgx.Conn, world int64, from, to string, amount int64) (model.Result, error)
	Balance(ctx context.Context, conn *pgx.Conn, world int64, account model.Account) (int64, error)
	Members(ctx context.Context, conn *pgx.Conn, world int64, group string) ([]string, error)
}

// Info describes a variant.
type Info struct {
	Name    string // registry name, such as "locking"
	Summary string // one sentence: what it does and, for a bug, what goes wrong
	// Breaks lists the guarantees a bug variant breaks; empty for a correct
	// variant, which must keep every guarantee.
	Breaks []model.Guarantee
	// FaultOnly marks a bug only faults reveal (a crash, a lost reply): the
	// release gate hunts it with faults alone.
	FaultOnly bool
}

// Correct reports whether the variant is meant to keep every guarantee.
func (i Info) Correct() bool { return len(i.Breaks) == 0 }

// ErrUnknownVariant reports a name no variant is registered under.
var ErrUnknownVariant = errors.New("unknown variant")

var registry = struct {
	sync.Mutex
	byName map[string]Variant
}{byName: map[string]Variant{}}

// Register makes v available by its name. Registering a name twice is a
// programming error and panics.
func Register(v Variant) {
	registry.Lock()
	defer registry.Unlock()
	name := v.Info().Name
	if _, dup := registry.byName[name]; dup || name == "" {
		panic(fmt.Sprintf("protocol: variant %q registered twice or without a name", name))
	}
	registry.byName[name] = v
}

// Lookup finds a registered variant by name.
func Lookup(name string) (Variant, error) {
	registry.Lock()
	defer registry.Unlock()
	if v, ok := registry.byName[name]; ok {
		return v, nil
	}
	names := make([]string, 0, len(registry.byName))
	for n := range registry.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return nil, fmt.Errorf("%w %q: choose one of %s (see `jbcheck variants`)", ErrUnknownVariant, name, strings.Join(names, ", "))
}

// All lists the registered variants, correct ones first, then by name.
func All() []Variant {
	registry.Lock()
	defer registry.Unlock()
	all := make([]Variant, 0, len(registry.byName))
	for _, v := range registry.byName {
		all = append(all, v)
	}
	slices.SortFunc(all, func(a, b Variant) int {
		ia, ib := a.Info(), b.Info()
		if ia.Correct() != ib.Correct() {
			if ia.Correct() {
				return -1
			}
			return 1
		}
		return strings.Compare(ia.Name, ib.Name)
	})
	return all
}

// Apply runs one operation of v and returns its output.
func Apply(ctx context.Context, v Variant, conn *pgx.Conn, in model.Input) (model.Output, error) {
	var out model.Output
	var err error
	switch in.Op {
	case model.OpJoin:
		out.Result, err = v.Join(ctx, conn, in.World, in.User, in.Group)
	case model.OpLeave:
		out.Result, err = v.Leave(ctx, conn, in.World, in.User, in.Group)
	case model.OpDeposit:
		err = v.Deposit(ctx, conn, in.World, in.User, in.Amount)
		out.Result = model.OK
	case model.OpTransfer:
		out.Result, err = v.Transfer(ctx, conn, in.World, in.User, in.To, in.Amount)
	case model.OpBalance:
		account := model.Account{Kind: model.Wallet, Owner: in.User}
		if in.Group != "" {
			account = model.Account{Kind: model.Pot, Owner: in.Group}
		}
		out.Amount, err = v.Balance(ctx, conn, in.World, account)
	case model.OpMembers:
		out.Members, err = v.Members(ctx, conn, in.World, in.Group)
	default:
		err = fmt.Errorf("%w: unknown operation %q", model.ErrBadInput, in.Op)
	}
	if err != nil {
		return model.Output{}, err
	}
	return out, nil
}
