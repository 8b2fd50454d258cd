package report

import (
	"math"
	"math/bits"
	"sort"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// Summary is what a run did in aggregate: its application ops, the calls
// they made and how long they took. A run too large for a table (a
// program workload, or more rows or clients than the report thresholds)
// reports this instead of one step per row; its size does not grow with
// the rows. It answers the AFS paper's question (Howard et al. 1988,
// §3.2: server load, in calls by type, against the number of clients).
type Summary struct {
	// Clients is how many clients ran rows or program steps.
	Clients int `json:"clients"`
	// Iterations counts the program iterations started; Late those that
	// started after their time because the client's previous iteration
	// was still running.
	Iterations int `json:"iterations,omitempty"`
	Late       int `json:"late_iterations,omitempty"`
	// IdleClients counts the program clients that started no iteration:
	// each one's first starts at a seeded phase within a period of the
	// program's start, which may fall at or after its until.
	IdleClients int `json:"idle_clients,omitempty"`
	// Steps counts the workload rows and program steps that ran.
	Steps int `json:"steps"`
	// Ops counts the application ops completed with result ok, Errors
	// those that completed (or ended) with an error; ByResult counts the
	// errors by name (EINPROGRESS: still waiting when the run ended).
	Ops      int            `json:"ops"`
	Errors   int            `json:"errors"`
	ByResult map[string]int `json:"errors_by_result,omitempty"`
	// Calls counts the RPCs started, by procedure (every call of the run,
	// a client's mount or a server's callback break included), and
	// CallsPerSecond is their total over the run's virtual duration.
	Calls          map[string]int `json:"calls"`
	CallsPerSecond float64        `json:"calls_per_second"`
	// Retransmissions counts the resends of the steps' calls.
	Retransmissions int `json:"retransmissions"`
	// StaleReads counts reads that returned older data than the server
	// held (Step.Stale above 0).
	StaleReads int `json:"stale_reads"`
	// Latency is each op's latency distribution, by op name.
	Latency []OpLatency `json:"latency"`
}

// OpLatency is the latency distribution of one op's completed steps.
// The percentiles come from a streaming histogram whose buckets are
// 1/64 of a power of two wide: each is within 1.6% of the exact one.
type OpLatency struct {
	Op    string `json:"op"`
	Count int    `json:"count"`
	P50   string `json:"p50"`
	P90   string `json:"p90"`
	P99   string `json:"p99"`
	Max   string `json:"max"`
}

// SummaryBuilder accumulates a Summary step by step, in memory bounded by
// the number of distinct ops and results, not of steps.
type SummaryBuilder struct {
	s       Summary
	clients map[string]bool
	ops     map[string]*histogram
}

// NewSummaryBuilder returns an empty builder.
func NewSummaryBuilder() *SummaryBuilder {
	return &SummaryBuilder{s: Summary{ByResult: map[string]int{}}, clients: map[string]bool{}, ops: map[string]*histogram{}}
}

// Add counts one step that ran; latency is how long it took, negative
// when it did not complete (or its system does not say).
func (b *SummaryBuilder) Add(st *Step, latency time.Duration) {
	who := st.Client
	if who == "" {
		who = st.From
	}
	b.Client(who)
	b.AddStep(st, latency)
}

// Client counts a client that ran a step (once, however often it is
// named; "" is no client).
func (b *SummaryBuilder) Client(name string) {
	if name != "" && !b.clients[name] {
		b.clients[name] = true
	}
}

// AddStep is Add without counting the step's client, for a caller that
// counts its clients with Client once each: a program run of 10,000
// clients would otherwise look each one up in a map of 10,000 names at
// every step.
func (b *SummaryBuilder) AddStep(st *Step, latency time.Duration) {
	b.s.Steps++
	if st.Result == "ok" {
		b.s.Ops++
	} else {
		b.s.Errors++
		b.s.ByResult[st.Result]++
	}
	for _, c := range st.Calls {
		if c.Attempts > 1 {
			b.s.Retransmissions += c.Attempts - 1
		}
	}
	if st.Stale != "" && st.Stale != "0s" {
		b.s.StaleReads++
	}
	if latency < 0 && st.Latency != "" {
		if d, err := time.ParseDuration(st.Latency); err == nil {
			latency = d
		}
	}
	if latency >= 0 && st.Result == "ok" {
		h := b.ops[st.Op]
		if h == nil {
			h = &histogram{}
			b.ops[st.Op] = h
		}
		h.add(latency)
	}
}

// IdleClients records how many program clients started no iteration.
func (b *SummaryBuilder) IdleClients(n int) { b.s.IdleClients = n }

// Iteration counts a program iteration started; late says it started
// after its time.
func (b *SummaryBuilder) Iteration(late bool) {
	b.s.Iterations++
	if late {
		b.s.Late++
	}
}

// Summary completes the summary: calls are the run's calls by procedure
// and end its virtual duration.
func (b *SummaryBuilder) Summary(calls map[string]int, end sim.Time) *Summary {
	s := b.s
	s.Clients = len(b.clients)
	s.Calls = map[string]int{}
	total := 0
	for k, v := range calls {
		s.Calls[k] = v
		total += v
	}
	if end > 0 {
		s.CallsPerSecond = math.Round(float64(total)/time.Duration(end).Seconds()*1000) / 1000
	}
	if len(s.ByResult) == 0 {
		s.ByResult = nil
	}
	names := make([]string, 0, len(b.ops))
	for op := range b.ops {
		names = append(names, op)
	}
	sort.Strings(names)
	s.Latency = []OpLatency{}
	for _, op := range names {
		h := b.ops[op]
		s.Latency = append(s.Latency, OpLatency{Op: op, Count: int(h.n),
			P50: fmtLatency(h.quantile(0.5)), P90: fmtLatency(h.quantile(0.9)), P99: fmtLatency(h.quantile(0.99)),
			Max: fmtLatency(h.max)})
	}
	return &s
}

// fmtLatency writes a latency rounded to the microsecond.
func fmtLatency(d time.Duration) string { return sim.FormatDuration(d.Round(time.Microsecond)) }

// subBits is the log2 of the sub-buckets per power of two.
const subBits = 6

// histogram is a log-linear histogram of durations: values below 2^subBits
// ns are exact, larger ones fall in one of 2^subBits equal buckets between
// two powers of two. It holds at most 64 x 2^subBits counts.
type histogram struct {
	counts []uint64
	n      uint64
	max    time.Duration
}

// bucket is the index of d's bucket.
func bucket(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < 1<<subBits {
		return int(v)
	}
	e := bits.Len64(v) - 1 - subBits // v >> e is in [2^subBits, 2^(subBits+1))
	return (e+1)<<subBits + int(v>>uint(e)) - 1<<subBits
}

// upper is the largest duration of bucket i.
func upper(i int) time.Duration {
	if i < 1<<subBits {
		return time.Duration(i)
	}
	e := i>>subBits - 1
	m := uint64(i&(1<<subBits-1)) + 1<<subBits
	return time.Duration((m+1)<<uint(e) - 1)
}

func (h *histogram) add(d time.Duration) {
	i := bucket(d)
	if i >= len(h.counts) {
		h.counts = append(h.counts, make([]uint64, i+1-len(h.counts))...)
	}
	h.counts[i]++
	h.n++
	h.max = max(h.max, d)
}

// quantile is the upper end of the bucket that holds the q-quantile (the
// nearest-rank definition), at most the largest value seen.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(upper(i), h.max)
		}
	}
	return h.max
}
