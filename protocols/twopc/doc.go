// Package twopc is two-phase commit, the protocol the course teaches after
// the Two Generals: how several nodes that each hold part of a
// transaction either all commit it or all abort it, although messages
// are lost and nodes crash.
//
// Sources: J. Gray, "Notes on Data Base Operating Systems", in Operating
// Systems: An Advanced Course, LNCS 60, Springer, 1978 (two-phase
// commit, and the generals paradox, which no protocol escapes); P. A.
// Bernstein, V. Hadzilacos and N. Goodman, Concurrency Control and
// Recovery in Database Systems, Addison-Wesley, 1987, chapter 7,
// "Distributed Recovery" (BHG below: the atomic commitment conditions
// AC1-AC5 of §7.3, two-phase commit with its DT log, the termination and
// recovery protocols and the cooperative termination protocol of §7.4).
//
// # The protocol
//
// The application asks a Coordinator to commit transaction T
// (Coordinator.Begin). Phase 1: the coordinator forces a start-2PC record
// naming the participants to its log, then sends each Participant a
// PREPARE. A participant that can commit its part forces a yes record
// and votes YES; one that cannot votes NO and aborts on its own. Phase 2:
// if every vote is YES, the coordinator forces a commit record (this is
// the instant T commits) and sends COMMIT; if a vote is NO or missing
// when its vote timeout expires, it aborts and sends ABORT. Each
// participant writes the decision to its log and acknowledges it; the
// coordinator sends the decision again to those that have not, and
// writes an end record once all have.
//
// # Blocking
//
// Between its YES and the decision a participant is in doubt (BHG: "in
// its uncertainty period"). It may not abort, because the coordinator may
// have committed; it may not commit, because another participant may have
// voted NO. If the coordinator crashes then, the participant can only
// wait: two-phase commit blocks. The Two Generals said no protocol over a
// lossy network makes two parties sure of each other; two-phase commit
// does not escape that, it makes the participants wait instead of guess.
// An in-doubt participant asks the coordinator for the decision
// (DECISION-REQ) every Options.RetryInterval, at most Options.Retries
// times. With Options.Cooperative it asks the other participants too
// (the cooperative termination protocol): one that knows the decision
// answers, and one that has not voted yet may abort and answers ABORT.
// When every participant has voted YES and the coordinator is down,
// nobody can answer: cooperation shortens blocking but cannot end it.
//
// # Crashes and the log
//
// Every node's log is on its disk (sim.Env.WriteDisk): its records
// survive a crash once durable, and a record still on its way is lost
// with the node's volatile state (the votes, the acknowledgements, the
// timers). A node's constructor reads its log and finishes the protocol
// (BHG's recovery): a coordinator that finds a start-2PC record without a
// decision aborts T, since no participant can have committed; one that
// finds a decision without an end record sends it again. A participant
// that finds a yes record without a decision is in doubt and asks at
// once; one that finds nothing about T never voted YES, so it may abort
// T. A coordinator asked about a transaction it has no record of answers
// ABORT (presumed abort): it never forced a commit record for it.
//
// Messages are Message values in XDR; in the scenarios they travel over
// UDP, so that a corrupted one is caught by the checksum and lost. The
// driver in package twopcdriver (system two_phase_commit) runs the
// scenarios and checks AC1 (atomicity), AC2 (no reversal) and AC3
// (commit needs every YES) on every run.
package twopc
