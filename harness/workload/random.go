package workload

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"jbcheck.dev/jbcheck/model"
)

// Mix weighs the operations a stress client picks from.
type Mix map[model.Op]int

// DefaultMix leans on joins and transfers, where the races are, and keeps
// enough reads to catch stale ones. Deposits are rare and small: they are the
// only operation that adds money to a world, and a world grown rich hides
// every overdraft race (no transfer comes near a balance any more).
var DefaultMix = Mix{
	model.OpJoin: 25, model.OpLeave: 15, model.OpDeposit: 5,
	model.OpTransfer: 25, model.OpBalance: 20, model.OpMembers: 10,
}

// ParseMix reads "join=25,transfer=20,...". Operations left out weigh 0.
func ParseMix(s string) (Mix, error) {
	m := Mix{}
	for _, part := range strings.Split(s, ",") {
		name, weight, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(weight)
		if !ok || err != nil || n < 0 || !slices.Contains(model.Ops, model.Op(name)) {
			return nil, fmt.Errorf("mix %q: expected OP=WEIGHT pairs separated by commas, OP one of %v and WEIGHT a whole number ≥ 0, got %q", s, model.Ops, part)
		}
		m[model.Op(name)] = n
	}
	if m.total() == 0 {
		return nil, fmt.Errorf("mix %q: every weight is 0", s)
	}
	return m, nil
}

// String writes the mix the way ParseMix reads it.
func (m Mix) String() string {
	var parts []string
	for _, op := range model.Ops {
		if m[op] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", op, m[op]))
		}
	}
	return strings.Join(parts, ",")
}

func (m Mix) total() int {
	sum := 0
	for _, w := range m {
		sum += w
	}
	return sum
}

func (m Mix) pick(c chooser) model.Op {
	n := c.choose("op", m.total())
	for _, op := range model.Ops {
		if n < m[op] {
			return op
		}
		n -= m[op]
	}
	panic("workload: unreachable: weights changed under pick")
}

// RandomWorld makes a small world — two or three users, one or two groups
// with one to three seats — so that clients keep meeting on the same rows;
// each parameter at its edges now and then (buildWorld): a fee of 0, a
// capacity of 1 or 0, an opening balance of 0 or of exactly a fee, one
// group or three.
func RandomWorld(r *rand.Rand) model.World {
	return buildWorld(roller{r}, stressWorld)
}

// stressWorld is the shape of a stress run's worlds.
var stressWorld = WorldShape{Users: [2]int{2, 3}, Groups: [2]int{1, 2}, Capacity: [2]int{1, 3}, ManyGroups: 3,
	Fees: []int64{5, 10, 15, 20, 25, 30}, Openings: []int64{20, 40, 60, 80, 100}}

// RandomInput picks a well-formed call in w from the mix (World left 0).
func RandomInput(r *rand.Rand, w model.World, mix Mix) model.Input {
	return buildInput(roller{r}, w, mix)
}

// roller makes choices with a seeded random source.
type roller struct{ r *rand.Rand }

func (r roller) choose(_ string, n int) int { return r.r.IntN(n) }
