// Package report holds the result of a run and renders it: the timeline
// table as aligned text, Markdown or CSV, and the whole result as JSON (the
// machine-readable contract of docs/scenario-format.md). Everything here is
// computed from what the simulator produced; nothing is written by hand.
package report

// Result is the outcome of running one scenario: one entry per system (per
// system and variant, when the scenario has variants), each having run the
// same workload in its own world.
type Result struct {
	Scenario    string `json:"scenario"`
	Description string `json:"description,omitempty"`
	Seed        uint64 `json:"seed"`
	// Variants lists the scenario's variants, in the order of the file
	// (none when it has no variants key).
	Variants []Variant `json:"variants,omitempty"`
	// Systems has one entry per run: per system, or, when the scenario
	// has variants, per system and variant that applies to it (variants
	// vary fastest; a system no variant applies to runs once, with no
	// variant).
	Systems []System `json:"systems"`
	// Violations lists failed expectations and violated invariants. It is
	// always present in JSON, empty when all is well.
	Violations []Violation `json:"violations"`
	// Broken lists the violations of invariants the scenario expects to be
	// broken (an expectation `broken: NAME`: the lesson of a scenario such
	// as the buffered write-buffer loss). They do not fail the run.
	Broken []Violation `json:"broken,omitempty"`
	// Table is the timeline table the text formats print.
	Table *Table `json:"table,omitempty"`
	// Summarized says the runs are too large for a table: the text
	// formats print each system's Summary instead.
	Summarized bool `json:"-"`
	// OmitSteps leaves each system's steps out of the JSON (a summarized
	// result, unless `sim run --steps` asks for them).
	OmitSteps bool `json:"-"`
}

// Variant names one variant of a scenario: a setting of its options under
// which the systems it applies to ran the workload.
type Variant struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Systems are the systems the variant applies to when they are not
	// all of the scenario's (each of the others ran without it); nil
	// when it applies to all.
	Systems []string `json:"systems,omitempty"`
}

// System is what one system (nfs, afs, socket, ...) did with the workload.
type System struct {
	System string `json:"system"`
	// Variant is the name of the variant this run used; "" when the
	// scenario has no variants, or none that applies to the system.
	Variant string `json:"variant,omitempty"`
	// Summary is the run in aggregate, for a run too large for a table
	// (a program workload, or more rows or clients than the report
	// thresholds); nil otherwise.
	Summary *Summary `json:"summary,omitempty"`
	// Steps has one entry per workload row, in the order of the file
	// (program rows have none: their steps are in Summary). The JSON
	// leaves it out when OmitSteps is set on the result.
	Steps []Step `json:"steps,omitempty"`
	// ProgramSteps are a program workload's steps, kept when asked for
	// (sim run --steps: scenarios.Options.KeepSteps), in the order they
	// were counted into the summary; the JSON lists them after Steps.
	// StepsLeftOut counts the program steps past the bound on those kept.
	ProgramSteps []Step `json:"-"`
	StepsLeftOut int    `json:"-"`
	// Faults lists the injected faults in the order they happened.
	Faults []Fault `json:"faults"`
	// Disk is the server's durable state at the end of the run, file by
	// file, block by block (file-system systems).
	Disk map[string][]string `json:"disk"`
	// Parts are what only some systems report (the streams of send rows,
	// the writes a crash lost, the RTT samples), each under its own key,
	// in the order the system added them; JSON writes them after Disk.
	Parts []Part `json:"-"`
	// Phases is the load per phase of the run (scenario option
	// report.phases).
	Phases []Phase `json:"phases,omitempty"`
	Stats  Stats   `json:"stats"`
	// End is the virtual time at which the run ended.
	End string `json:"end"`
	// Events is how many events the run took.
	Events uint64 `json:"events"`
	// TraceHash is the running hash of the event trace (hex): the same
	// scenario and seed always give the same hash.
	TraceHash string `json:"trace_hash"`
	// Bound is set when the run stopped at its event or time bound.
	Bound string `json:"bound,omitempty"`
	// Evidence is what the system's driver recorded for its invariants
	// (a type of the system's own, read by its invariants' checks). It is
	// not part of the JSON result.
	Evidence any `json:"-"`
}

// Part is one part of a system's result that only some systems report:
// its key in the JSON result and its value.
type Part struct {
	Key   string
	Value any
}

// AddPart appends a part to the system's result.
func (s *System) AddPart(key string, value any) {
	s.Parts = append(s.Parts, Part{Key: key, Value: value})
}

// Part returns the value of the part with key, or nil.
func (s *System) Part(key string) any {
	for _, p := range s.Parts {
		if p.Key == key {
			return p.Value
		}
	}
	return nil
}

// StreamsPart is the key of the part that holds a system's streams: one
// Stream per row of an op whose rows are streams of messages (send).
const StreamsPart = "streams"

// Streams returns the system's streams (StreamsPart), none when it has
// no such part.
func (s *System) Streams() []Stream {
	st, _ := s.Part(StreamsPart).([]Stream)
	return st
}

// Label names the run in tables and summaries: the system, followed by the
// variant when there is one ("reliable fixed_50ms").
func (s *System) Label() string { return label(s.System, s.Variant) }

// FileLabel names the run in file names: the system, then the variant
// after a dash ("reliable-fixed_50ms").
func (s *System) FileLabel() string {
	if s.Variant == "" {
		return s.System
	}
	return s.System + "-" + s.Variant
}

func label(system, variant string) string {
	if variant == "" {
		return system
	}
	return system + " " + variant
}

// Step is the outcome of one workload row.
type Step struct {
	At     string `json:"at"`
	Client string `json:"client,omitempty"`
	Op     string `json:"op"`
	FD     string `json:"fd,omitempty"`
	File   string `json:"file,omitempty"`
	Block  *int   `json:"block,omitempty"`
	// Result is "ok" or an error name (ESTALE, EBADF, ENOENT, ETIMEDOUT).
	Result string `json:"result"`
	// Value is what a read returned.
	Value *string `json:"value,omitempty"`
	// Calls lists every RPC started because of this step, until the next
	// workload row runs, in the order they were sent.
	Calls []Call `json:"calls"`
	Note  string `json:"note,omitempty"`
	// From and To name the endpoints of a send row; Server and Proc those
	// of a call row.
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
	Server string `json:"server,omitempty"`
	Proc   string `json:"proc,omitempty"`
	// Executions is how many times the server ran a call row's procedure.
	Executions *int `json:"executions,omitempty"`
	// Latency is how long the operation took, from its start to its result.
	Latency string `json:"latency,omitempty"`
	// Stale is, for a read of a file system (nfs), how long the server had
	// held newer contents of the block than the value returned: "0s" when
	// the read returned the server's latest data.
	Stale string `json:"stale,omitempty"`
	// Label is the row as the timeline table writes it (`commit(T1)`),
	// as its op says; not in the JSON, whose fields already hold the row.
	Label string `json:"-"`
}

// Call is one remote procedure call, listed once however often it was
// retransmitted.
type Call struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Proc     string `json:"proc"`
	Attempts int    `json:"attempts"`
}

// Fault is one injected fault.
type Fault struct {
	At     string `json:"at"`
	Kind   string `json:"kind"`
	Node   string `json:"node,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Stream summarises one send row: what the receiving application got.
type Stream struct {
	From string `json:"from"`
	To   string `json:"to"`
	Sent int    `json:"sent"`
	// Delivered counts distinct messages handed to the receiving
	// application intact.
	Delivered int  `json:"delivered"`
	InOrder   bool `json:"in_order"`
	// Duplicates counts extra copies handed to the application.
	Duplicates      int `json:"duplicates"`
	Retransmissions int `json:"retransmissions"`
	// Lost counts messages of which no copy reached the application, intact
	// or altered (a message only altered copies of reached is counted by
	// Corrupted, not here).
	Lost int `json:"lost"`
	// Corrupted counts altered messages handed to the application (none
	// where a checksum protects the data).
	Corrupted int `json:"corrupted"`
	// Rejected counts copies a checksum caught and dropped.
	Rejected int `json:"rejected"`
	// Completion is when the last message reached the application.
	Completion string `json:"completion,omitempty"`
	// Messages is each message's fate, in the order they were sent: the
	// first MaxMessageFates of them (fewer once the run's streams have
	// described MaxRunFates), so that a stream of a million messages does
	// not make a result of a gigabyte.
	Messages []MessageFate `json:"messages,omitempty"`
	// MessagesOmitted counts the messages whose fates Messages leaves out
	// (the counts above include them).
	MessagesOmitted int `json:"messages_omitted,omitempty"`
}

// MaxMessageFates is how many messages of a stream a result describes one
// by one, and MaxRunFates how many over all the streams of a run.
const (
	MaxMessageFates = 10_000
	MaxRunFates     = 100_000
)

// MessageFate is what became of one message of a stream.
type MessageFate struct {
	Seq    int    `json:"seq"`
	SentAt string `json:"sent_at"`
	// Arrivals are the times at which copies reached the application.
	Arrivals []string `json:"arrivals"`
	// Fate is a short word: delivered, lost, duplicated, reordered,
	// corrupted (several joined by "+").
	Fate string `json:"fate"`
}

// Stats are counters over the whole run.
type Stats struct {
	// Calls counts RPCs by procedure (each call once).
	Calls map[string]int `json:"calls,omitempty"`
	// Messages counts trace records by kind (send, drop, deliver, ...).
	Messages map[string]int `json:"messages,omitempty"`
	// Counters are a system's own counts, such as nfs's path_lookups (the
	// names its servers resolved in directories).
	Counters map[string]int `json:"counters,omitempty"`
}

// Violation is a failed expectation or a violated invariant.
type Violation struct {
	System string `json:"system,omitempty"`
	// Variant is the variant of the run that violated it, if any.
	Variant string `json:"variant,omitempty"`
	// Where is the scenario position of the expectation (file:line:col).
	Where string `json:"where,omitempty"`
	Step  *int   `json:"step,omitempty"`
	// Invariant names the invariant a violation of an invariant breaks.
	Invariant string `json:"invariant,omitempty"`
	Message   string `json:"message"`
}

// Table is a timeline table: a header row and rows of cells.
type Table struct {
	Title   string     `json:"title,omitempty"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
	// Notes are printed under the table (text and Markdown only).
	Notes []string `json:"notes,omitempty"`
	// Questions is how many leading columns state what was asked (the
	// time, each client's call, the message sent); the columns after them
	// are what the run answered, which a quiz hides (see Quiz).
	Questions int `json:"-"`
}

// Phase is the server load during one phase of a run.
type Phase struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Clients is how many clients had workload rows in the phase.
	Clients int `json:"clients"`
	// Calls counts the RPCs clients made to servers, started by the
	// phase's rows; CallsPerSecond is Calls over the phase's length.
	Calls          int     `json:"calls"`
	CallsPerSecond float64 `json:"calls_per_second"`
	// Callbacks counts the RPCs servers made to clients (AFS callback
	// breaks).
	Callbacks int `json:"callbacks"`
}
