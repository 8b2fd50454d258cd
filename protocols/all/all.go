// Package all registers every system sim knows with package scenarios:
// import it, for its side effect, wherever scenarios are loaded and run
// (cmd/sim, cmd/figures, the tests of scenarios and report).
//
//	import _ "github.com/sim-lecture/sim/protocols/all"
//
// Each system lives next to its protocol, in a driver package that
// registers it from init; adding a system is adding its import here.
package all

import (
	// The systems, in the lecture's order (the registry sorts them by
	// their Order, not by this list).
	_ "github.com/sim-lecture/sim/protocols/generals/generalsdriver"
)
