package model

import "math"

// addMoney adds two amounts of money, and reports false instead when the sum
// leaves the int64 range that balances are kept in (PostgreSQL's bigint, where
// such an update fails with "bigint out of range").
func addMoney(a, b int64) (int64, bool) {
	sum := a + b
	if (b > 0 && sum < a) || (b < 0 && sum > a) {
		return 0, false
	}
	return sum, true
}

// MaxMoney is the most money a world can hold: every balance is an int64.
const MaxMoney = math.MaxInt64
