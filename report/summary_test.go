package report

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHistogramQuantiles checks the streaming histogram against exact
// nearest-rank quantiles: within its 1/64 bucket width.
func TestHistogramQuantiles(t *testing.T) {
	cases := []struct {
		name   string
		values func(i int) time.Duration
		n      int
	}{
		{"small exact values", func(i int) time.Duration { return time.Duration(i % 50) }, 1000},
		{"milliseconds", func(i int) time.Duration { return time.Duration(i) * time.Millisecond }, 1000},
		{"spread", func(i int) time.Duration { return time.Duration(i*i) * time.Microsecond }, 2000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := &histogram{}
			var all []time.Duration
			for i := range tc.n {
				h.add(tc.values(i))
				all = append(all, tc.values(i))
			}
			sortDurations(all)
			for _, q := range []float64{0.5, 0.9, 0.99, 1} {
				exact := all[max(0, int(float64(len(all))*q+0.999999)-1)]
				got := h.quantile(q)
				if got < exact || float64(got-exact) > float64(exact)/64+1 {
					t.Errorf("quantile(%g) = %v; want %v within 1/64", q, got, exact)
				}
			}
		})
	}
}

func sortDurations(d []time.Duration) {
	for i := 1; i < len(d); i++ {
		for j := i; j > 0 && d[j] < d[j-1]; j-- {
			d[j], d[j-1] = d[j-1], d[j]
		}
	}
}

// TestSummaryCounts checks what a summary counts from steps.
func TestSummaryCounts(t *testing.T) {
	b := NewSummaryBuilder()
	b.Add(&Step{Client: "A", Op: "read", Result: "ok", Stale: "2s", Calls: []Call{{Proc: "READ", Attempts: 3}}}, 20*time.Millisecond)
	b.Add(&Step{Client: "B", Op: "read", Result: "ok", Stale: "0s", Latency: "10ms"}, -1)
	b.Add(&Step{Client: "A", Op: "open", Result: "ESTALE"}, time.Millisecond)
	b.Iteration(false)
	b.Iteration(true)
	s := b.Summary(map[string]int{"READ": 1, "LOOKUP": 3}, 2_000_000_000)
	if s.Clients != 2 || s.Steps != 3 || s.Ops != 2 || s.Errors != 1 || s.ByResult["ESTALE"] != 1 || s.Retransmissions != 2 ||
		s.StaleReads != 1 || s.Iterations != 2 || s.Late != 1 || s.CallsPerSecond != 2 {
		t.Errorf("summary = %+v", s)
	}
	if len(s.Latency) != 1 || s.Latency[0].Op != "read" || s.Latency[0].Count != 2 || s.Latency[0].Max != "20ms" {
		t.Errorf("latency = %+v; want read's two", s.Latency)
	}
}

// TestSummaryClients checks that a client is counted once however it is
// named: by Add's step, by Client, or both.
func TestSummaryClients(t *testing.T) {
	cases := []struct {
		name string
		feed func(b *SummaryBuilder)
		want int
	}{
		{"Add counts the step's client", func(b *SummaryBuilder) {
			b.Add(&Step{Client: "A", Result: "ok"}, 0)
			b.Add(&Step{From: "B", Result: "ok"}, 0)
		}, 2},
		{"AddStep counts no client", func(b *SummaryBuilder) {
			b.AddStep(&Step{Client: "A", Result: "ok"}, 0)
		}, 0},
		{"Client and Add name the same client", func(b *SummaryBuilder) {
			b.Client("A")
			b.AddStep(&Step{Client: "A", Result: "ok"}, 0)
			b.Add(&Step{Client: "A", Result: "ok"}, 0)
			b.Client("A")
		}, 1},
		{"an empty name is no client", func(b *SummaryBuilder) {
			b.Client("")
			b.Add(&Step{Result: "ok"}, 0)
		}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := NewSummaryBuilder()
			tc.feed(b)
			if got := b.Summary(nil, 0).Clients; got != tc.want {
				t.Errorf("Clients = %d; want %d", got, tc.want)
			}
		})
	}
}

// TestSummaryIdleClients: program clients that started no iteration are
// said in the text, the CSV and the JSON, and not at all when none.
func TestSummaryIdleClients(t *testing.T) {
	cases := []struct {
		idle      int
		wantText  string
		wantInCSV bool
	}{
		{0, "", false},
		{1, "; 1 program client started no iteration (", true},
		{3, "; 3 program clients started no iteration (", true},
	}
	for _, tc := range cases {
		b := NewSummaryBuilder()
		b.IdleClients(tc.idle)
		sys := &System{System: "nfs", Summary: b.Summary(nil, 0)}
		text := SummaryText(sys)
		if tc.wantText == "" && strings.Contains(text, "started no iteration") || !strings.Contains(text, tc.wantText) {
			t.Errorf("idle %d: text %q; want %q", tc.idle, text, tc.wantText)
		}
		inCSV := false
		for _, m := range summaryMetrics(sys.Summary) {
			if m[0] == "idle_clients" {
				inCSV = m[1] == strconv.Itoa(tc.idle)
			}
		}
		if inCSV != tc.wantInCSV {
			t.Errorf("idle %d: idle_clients in CSV = %v; want %v", tc.idle, inCSV, tc.wantInCSV)
		}
	}
}
