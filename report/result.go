// Package report holds the result of a run and renders it: the timeline
// table as aligned text, Markdown or CSV, and the whole result as JSON (the
// machine-readable contract of docs/scenario-format.md). Everything here is
// computed from what the simulator produced; nothing is written by hand.
package report

// Result is the outcome of running one scenario: one entry per system, each
// having run the same workload in its own world.
type Result struct {
	Scenario    string   `json:"scenario"`
	Description string   `json:"description,omitempty"`
	Seed        uint64   `json:"seed"`
	Systems     []System `json:"systems"`
	// Violations lists failed expectations and violated invariants. It is
	// always present in JSON, empty when all is well.
	Violations []Violation `json:"violations"`
	// Table is the timeline table the text formats print.
	Table *Table `json:"table,omitempty"`
}

// System is what one system (nfs, afs, socket, ...) did with the workload.
type System struct {
	System string `json:"system"`
	// Steps has one entry per workload row, in the order of the file.
	Steps []Step `json:"steps"`
	// Faults lists the injected faults in the order they happened.
	Faults []Fault `json:"faults"`
	// Disk is the server's durable state at the end of the run, file by
	// file, block by block (file-system systems).
	Disk map[string][]string `json:"disk,omitempty"`
	// Streams has one entry per send row (messaging systems).
	Streams []Stream `json:"streams,omitempty"`
	// RTT lists the reliable transport's RTT samples in the order they were
	// taken, with the SRTT and RTO that followed each (system reliable).
	RTT   []RTTSample `json:"rtt,omitempty"`
	Stats Stats       `json:"stats"`
	// End is the virtual time at which the run ended.
	End string `json:"end"`
	// Events is how many events the run took.
	Events uint64 `json:"events"`
	// TraceHash is the running hash of the event trace (hex): the same
	// scenario and seed always give the same hash.
	TraceHash string `json:"trace_hash"`
	// Bound is set when the run stopped at its event or time bound.
	Bound string `json:"bound,omitempty"`
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
	// Lost counts messages that never reached the application.
	Lost int `json:"lost"`
	// Corrupted counts altered messages handed to the application (none
	// where a checksum protects the data).
	Corrupted int `json:"corrupted"`
	// Rejected counts copies a checksum caught and dropped.
	Rejected int `json:"rejected"`
	// Completion is when the last message reached the application.
	Completion string `json:"completion,omitempty"`
	// Messages is each message's fate, in the order they were sent.
	Messages []MessageFate `json:"messages,omitempty"`
}

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
}

// Violation is a failed expectation or a violated invariant.
type Violation struct {
	System string `json:"system,omitempty"`
	// Where is the scenario position of the expectation (file:line:col).
	Where   string `json:"where,omitempty"`
	Step    *int   `json:"step,omitempty"`
	Message string `json:"message"`
}

// Table is a timeline table: a header row and rows of cells.
type Table struct {
	Title   string     `json:"title,omitempty"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
	// Notes are printed under the table (text and Markdown only).
	Notes []string `json:"notes,omitempty"`
}
