package model_test

import (
	"fmt"

	"jbcheck.dev/jbcheck/model"
)

func ExampleState_Step() {
	world := model.World{
		Users:  []model.User{{Name: "u0", Opening: 100}},
		Groups: []model.Group{{Name: "g0", Capacity: 2, Fee: 10}},
	}
	s := model.Initial(world)
	for _, in := range []model.Input{
		{Op: model.OpJoin, User: "u0", Group: "g0"},
		{Op: model.OpJoin, User: "u0", Group: "g0"},
		{Op: model.OpBalance, User: "u0"},
	} {
		var out model.Output
		s, out = s.Step(in)
		fmt.Println(model.DescribeCall(in, &out))
	}
	fmt.Println(s.Describe())
	// Output:
	// join(u0,g0) → joined
	// join(u0,g0) → already_member
	// balance(u0) → 90
	// u0=90 | g0(cap 2, fee 10) pot=10 [u0]
}
