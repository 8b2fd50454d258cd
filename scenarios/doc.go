// Package scenarios loads, validates and runs the YAML scenarios of sim.
//
// Load turns a file into a Scenario, checking it strictly: an unknown key,
// a value out of range or a reference to a node, file, fd or row that does
// not exist is an error naming file:line:col and what was expected, with a
// did-you-mean suggestion where one is close. Every option has a default, so
// a Scenario is complete.
//
// Run runs the scenario's workload once per system it names (once per
// system and variant when the file has variants), each in its own
// simulated world, through that system's driver (system_*.go), checks the
// expectations and builds the timeline table. The built-in scenarios
// (*.yaml in this folder) are embedded in the binary. docs/scenario-format.md
// is the user's reference.
package scenarios
