// Package scenarios loads, validates and runs the YAML scenarios of sim,
// and holds the registry through which every system plugs into them.
//
// Load turns a file into a Scenario, checking it strictly: an unknown key,
// a value out of range or a reference to a node, file, fd or row that does
// not exist is an error naming file:line:col and what was expected, with a
// did-you-mean suggestion where one is close. Every option has a default, so
// a Scenario is complete.
//
// Run runs the scenario's workload once per system it names (once per
// system and variant when the file has variants), each in its own
// simulated world, through that system's Driver, checks the expectations
// and the systems' invariants, and builds the timeline table. The built-in
// scenarios (*.yaml in this folder) are embedded in the binary.
// docs/scenario-format.md is the user's reference.
//
// # The registry
//
// The loader, the runner, `--set`, variants, the table, the JSON result,
// sweep metrics and the docs' tables of systems and options know the
// systems only through their records: nothing in this package names a
// system. A system's package calls Register from init with one System
// record:
//
//	func init() {
//		scenarios.Register(scenarios.System{
//			Name: "nfs", Order: 70, Doc: "NFSv2: ...",
//			Ops:    fsOps,                      // the workload ops it runs
//			Blocks: []*scenarios.Block{block},  // its option block, `nfs:`
//			Faults: []*scenarios.FaultKind{flush, lowMemory},
//			Servers: servers, CheckPath: checkMount, // its nodes and paths
//			Metrics: metrics,                   // sweep metrics of its results
//			New: func() scenarios.Driver { return &driver{} },
//		})
//	}
//
// and a binary or a test imports the system's package for that side
// effect (protocols/all imports every system). A system ships its
// built-in scenarios next to its protocol (Scenarios, an embed.FS, and
// ScenariosDir): `sim list` and `sim run NAME` find them with this
// folder's, and scenariotest.GoldenBuiltIn checks them against golden
// files in the system's own testdata. docs/extending.md walks through a
// whole system, two-phase commit (protocols/twopc/twopcdriver).
//
// To add a workload op, give the system an *Op: its Name, its Keys (each
// one of RowKeys, required or not, an optional one with the Default the
// docs show), what its rows do with an fd and a file (FD, File: the
// loader then checks fds are open and files exist), how a row reads in
// the table (Describe) and in messages (Label), an optional Check of a
// row's values (reported at the key it names), Defaults, and the Doc of
// the docs' table of ops. Systems that run the same op share the *Op.
//
// To add an option, add an Option to the system's *Block: DurationOption,
// EnumOption, IntOption, BoolOption, BandwidthOption or CustomOption,
// each with its key, the default as the docs show it and a one-line doc.
// The block's New gives its defaults and Check its cross-key rules. The
// block's table in docs/scenario-format.md is generated from the record
// (go test ./scenarios -run Docs -update). A driver reads the block with
// Scenario.Block.
//
// To add a fault kind only a system understands, give the system a
// *FaultKind with its Decode (DecodeNodeFault for `kind: node`), an
// optional Check, the Example and Doc of the docs' list of faults, and
// perform it in the driver's Fault; `sim explore` then draws it through
// a scenario's explore.faults with no more code, and a kind that
// another undoes (a block, unblocked) names that kind in Undo. The
// common kinds (crash, restart, partition, heal, network, link, block,
// unblock) are this package's and act on the world and the network; a
// scenario may list another kind only if one of its systems accepts it.
//
// To report more than steps, add a part to the result
// (report.System.AddPart: the streams of send rows, the writes a crash
// lost), say what it holds in ResultsDoc, and add sweep metrics that
// read it (System.Metrics, with an Order placing them in `sim sweep
// --help`). To state a property every run must have, add an Invariant:
// Run reports each failure as a violation.
//
// The docs derive from the records: docs/scenario-format.md's sections
// under `<!-- registry: NAME -->` markers (DocSection: the systems, each
// block's options, the workload ops, the faults, the invariants, the
// systems' results) and its rows listing the blocks are rewritten by `go
// test ./scenarios -run Docs -update`, which also gives a new option
// block its section, at the end of "Systems and their options".
//
// Every list the registry keeps (systems, ops, blocks, fault kinds,
// metrics) is sorted by each record's Order, so that messages and the docs
// do not depend on the order of init functions.
package scenarios
