package coverage

import "jbcheck.dev/jbcheck/model"

// Reachable is the windows some scenario of scenarios can reach: two of
// its clients calling on a common row (SameRows, ReadWrite, MidCall for a
// call that checks then acts: join, leave, transfer), a call on an account
// with a background worker running (WorkerRound, when worker is set). A
// stress run is a scenario of many clients drawing from every call of a
// small world: StressScenario stands for one.
func Reachable(scenarios []model.Scenario, worker bool) Set {
	var s Set
	for _, sc := range scenarios {
		for i, ci := range sc.Clients {
			for _, a := range ci {
				s[WorkerRound] = s[WorkerRound] || worker && touchesAccount(a)
				for _, cj := range sc.Clients[i+1:] {
					for _, b := range cj {
						s[SameRows] = s[SameRows] || sameRows(a, b)
						s[ReadWrite] = s[ReadWrite] || readWrite(a, b)
						s[MidCall] = s[MidCall] || (checksThenActs(a) || checksThenActs(b)) && (sameRows(a, b) || readWrite(a, b))
					}
				}
			}
		}
	}
	return s
}

// checksThenActs: the call reads before it writes, in several statements.
func checksThenActs(in model.Input) bool {
	return in.Op == model.OpJoin || in.Op == model.OpLeave || in.Op == model.OpTransfer
}

// StressScenario stands for a stress run in Reachable: two clients each of
// which may make any call in a world of two users and one group.
func StressScenario() model.Scenario {
	w := model.World{Users: []model.User{{Name: "u0"}, {Name: "u1"}}, Groups: []model.Group{{Name: "g0", Capacity: 1}}}
	var every []model.Input
	for _, op := range model.Ops {
		every = append(every, model.Input{Op: op, User: "u0", To: "u1", Group: "g0", Amount: 1})
	}
	every = append(every, model.Input{Op: model.OpBalance, User: "u0"})
	return model.Scenario{World: w, Clients: [][]model.Input{every, every}}
}
