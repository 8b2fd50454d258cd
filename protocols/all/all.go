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
	// Every system's driver; the registry orders them by their Order.
	_ "github.com/sim-lecture/sim/protocols/afs/afsdriver"
	_ "github.com/sim-lecture/sim/protocols/generals/generalsdriver"
	_ "github.com/sim-lecture/sim/protocols/messaging/messagingdriver"
	_ "github.com/sim-lecture/sim/protocols/nfs/nfsdriver"
	_ "github.com/sim-lecture/sim/protocols/reliable/reliabledriver"
	_ "github.com/sim-lecture/sim/protocols/rpc/rpcdriver"
	_ "github.com/sim-lecture/sim/protocols/twopc/twopcdriver"
	_ "github.com/sim-lecture/sim/protocols/udp/udpdriver"
)
