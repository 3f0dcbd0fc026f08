package model

import "fmt"

// Guarantee names one promise of the protocol. docs/guarantees.md
// says how each one is checked.
type Guarantee string

// The guarantees. L is checked on histories; I1–I6 on audited snapshots; D
// and A need faults.
const (
	Linearizable     Guarantee = "L"
	UniqueMembership Guarantee = "I1"
	Capacity         Guarantee = "I2"
	NoOverdraft      Guarantee = "I3"
	Conservation     Guarantee = "I4"
	LedgerAgreement  Guarantee = "I5"
	PotConsistency   Guarantee = "I6"
	Durability       Guarantee = "D"
	Atomicity        Guarantee = "A"
)

// Guarantees lists every guarantee, in the order reports show them.
var Guarantees = []Guarantee{Linearizable, UniqueMembership, Capacity, NoOverdraft,
	Conservation, LedgerAgreement, PotConsistency, Durability, Atomicity}

var guaranteeTitles = map[Guarantee]string{
	Linearizable:     "linearizability",
	UniqueMembership: "unique membership",
	Capacity:         "capacity",
	NoOverdraft:      "no overdraft",
	Conservation:     "conservation",
	LedgerAgreement:  "ledger agreement",
	PotConsistency:   "pot consistency",
	Durability:       "durability",
	Atomicity:        "atomicity",
}

// Title is the guarantee's short name, such as "unique membership".
func (g Guarantee) Title() string { return guaranteeTitles[g] }

// String is the code and the title: "I1 — unique membership".
func (g Guarantee) String() string { return string(g) + " — " + g.Title() }

// A Violation is one broken guarantee with a sentence saying where.
type Violation struct {
	Guarantee Guarantee `json:"guarantee"`
	Detail    string    `json:"detail"`
}

func (v Violation) Error() string { return fmt.Sprintf("%s violated: %s", v.Guarantee, v.Detail) }
