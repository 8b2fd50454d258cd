package netmodel

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sim-lecture/sim/sim"
)

// TestOverridesInOrder checks that Params applies the default, then each
// matching override in order, so that a later override wins.
func TestOverridesInOrder(t *testing.T) {
	def := DefaultParams()
	cfg := Config{
		Default: def,
		Links: []LinkPatch{
			{From: "*", To: "server", Patch: Patch{Loss: ptr(0.3)}},
			{From: "A", To: "server", Patch: Patch{Loss: ptr(0.1), Bandwidth: ptr(1e6)}},
			{From: "", To: "server", Patch: Patch{Duplicate: ptr(0.2)}},
			{From: "server", To: "", Patch: Patch{Delay: &Delay{Kind: Uniform, Min: time.Millisecond, Max: 2 * time.Millisecond}}},
			{From: "B", To: "server", Patch: Patch{Loss: ptr(0.0)}},
		},
	}
	with := func(f func(p *Params)) Params {
		p := def
		f(&p)
		return p
	}
	tests := []struct {
		from, to string
		want     Params
	}{
		{"A", "server", with(func(p *Params) { p.Loss, p.Bandwidth, p.Duplicate = 0.1, 1e6, 0.2 })},
		{"B", "server", with(func(p *Params) { p.Loss, p.Duplicate = 0, 0.2 })},
		{"C", "server", with(func(p *Params) { p.Loss, p.Duplicate = 0.3, 0.2 })},
		{"server", "A", with(func(p *Params) { p.Delay = Delay{Kind: Uniform, Min: time.Millisecond, Max: 2 * time.Millisecond} })},
		{"A", "B", def},
	}
	net := New(1, cfg, nil)
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, net.Params(tt.from, tt.to)); diff != "" {
			t.Errorf("Params(%q, %q) (-want +got):\n%s", tt.from, tt.to, diff)
		}
	}
}

// TestMidRunPatches checks SetDefault and PatchLink: they apply after the
// configuration, in the order they were made, to links already in use.
func TestMidRunPatches(t *testing.T) {
	cfg := Config{
		Default: faultless(),
		Links:   []LinkPatch{{From: "A", To: "B", Patch: Patch{Duplicate: ptr(1.0)}}},
	}
	net := New(1, cfg, namer("A", "B", "C"))
	type outcome struct {
		Reason string
		Copies int
	}
	observe := func(from, to sim.NodeID) outcome {
		d := send(net, 0, from, to, []byte("x"))
		return outcome{d.Reason, len(d.Copies)}
	}
	steps := []struct {
		name       string
		do         func()
		ab, ba, ac outcome
	}{
		{"config", func() {}, outcome{"", 2}, outcome{"", 1}, outcome{"", 1}},
		{"SetDefault loss 1", func() { net.SetDefault(Patch{Loss: ptr(1.0)}) },
			outcome{ReasonLoss, 0}, outcome{ReasonLoss, 0}, outcome{ReasonLoss, 0}},
		{"PatchLink A->* loss 0", func() { net.PatchLink("A", "*", Patch{Loss: ptr(0.0)}) },
			outcome{"", 2}, outcome{ReasonLoss, 0}, outcome{"", 1}},
		{"SetDefault duplicate 0 overrides the config's A->B", func() { net.SetDefault(Patch{Duplicate: ptr(0.0)}) },
			outcome{"", 1}, outcome{ReasonLoss, 0}, outcome{"", 1}},
		{"SetDefault loss 0", func() { net.SetDefault(Patch{Loss: ptr(0.0)}) },
			outcome{"", 1}, outcome{"", 1}, outcome{"", 1}},
	}
	for _, s := range steps {
		s.do()
		got := []outcome{observe(0, 1), observe(1, 0), observe(0, 2)}
		if diff := cmp.Diff([]outcome{s.ab, s.ba, s.ac}, got); diff != "" {
			t.Errorf("after %s: A->B, B->A, A->C (-want +got):\n%s", s.name, diff)
		}
	}
}

// TestPatchIsCopied checks that a caller reusing a variable after a patch
// does not change the patch.
func TestPatchIsCopied(t *testing.T) {
	loss := 0.5
	cfg := Config{Default: faultless(), Links: []LinkPatch{{From: "A", Patch: Patch{Loss: &loss}}}}
	net := New(1, cfg, nil)
	net.PatchLink("B", "C", Patch{Loss: &loss})
	loss = 0.9
	if got := net.Params("A", "B").Loss; got != 0.5 {
		t.Errorf("Params(A, B).Loss = %v; want 0.5", got)
	}
	if got := net.Params("B", "C").Loss; got != 0.5 {
		t.Errorf("Params(B, C).Loss = %v; want 0.5", got)
	}
}

// TestNilNames checks that without a names function nodes are named by
// their decimal IDs.
func TestNilNames(t *testing.T) {
	net := New(1, Config{Default: faultless()}, nil)
	net.Block("0", "1")
	if got := send(net, 0, 0, 1, nil).Reason; got != ReasonPartition {
		t.Errorf("0 -> 1 after Block(\"0\", \"1\"): reason %q; want %q", got, ReasonPartition)
	}
	if got := send(net, 0, 1, 0, nil).Reason; got != "" {
		t.Errorf("1 -> 0: reason %q; want delivered", got)
	}
}

// TestBandwidthQueue checks the serialisation arithmetic: at 8 Mbit/s a
// 1000-byte datagram takes 1 ms to send, each directed link is one FIFO
// queue, and a dropped datagram still occupies the link.
func TestBandwidthQueue(t *testing.T) {
	p := faultless()
	p.Delay = Delay{Kind: Constant, Value: time.Millisecond}
	p.Bandwidth = 8e6
	net := New(1, Config{Default: p}, namer("A", "B", "C"))
	const a, b, c = 0, 1, 2
	ms := func(f float64) sim.Time { return sim.Time(f * float64(time.Millisecond)) }
	steps := []struct {
		name     string
		before   func()
		at       sim.Time
		from, to sim.NodeID
		size     int
		want     time.Duration // the arrival's delay; -1 for a drop
	}{
		{"idle link: 1ms to send + 1ms delay", nil, 0, a, b, 1000, 2 * time.Millisecond},
		{"waits for the first", nil, 0, a, b, 1000, 3 * time.Millisecond},
		{"other direction has its own queue", nil, 0, b, a, 1000, 2 * time.Millisecond},
		{"other link has its own queue", nil, 0, a, c, 500, 1500 * time.Microsecond},
		{"queue empty again", nil, ms(5), a, b, 1000, 2 * time.Millisecond},
		{"arrives while the link is busy", nil, ms(5.5), a, b, 2000, 3500 * time.Microsecond},
		{"dropped, but occupies the link", func() { net.Block("A", "B") }, ms(10), a, b, 1000, -1},
		{"waits for the dropped one", func() { net.Unblock("A", "B") }, ms(10), a, b, 1000, 3 * time.Millisecond},
		{"empty message: waits, takes no time", nil, ms(10), a, b, 0, 3 * time.Millisecond},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		d := send(net, s.at, s.from, s.to, make([]byte, s.size))
		got := time.Duration(-1)
		if len(d.Copies) > 0 {
			got = d.Copies[0].Delay
		}
		if got != s.want {
			t.Errorf("%s: delay %v; want %v", s.name, got, s.want)
		}
	}
}

// TestQueueDropTail checks the finite transmit queue: at 8 Mbit/s a
// 1000-byte datagram takes 1 ms to send; a datagram that finds the queue
// full is dropped (ReasonQueue) without occupying the link, and the queue
// empties as the link sends.
func TestQueueDropTail(t *testing.T) {
	ms := func(f float64) sim.Time { return sim.Time(f * float64(time.Millisecond)) }
	type step struct {
		name   string
		at     sim.Time
		size   int
		want   time.Duration // the arrival's delay; -1 for a drop
		reason string
	}
	tests := []struct {
		name         string
		queue, bytes int
		steps        []step
	}{
		{"two datagrams", 2, 0, []step{
			{"idle: 1ms to send + 1ms delay", 0, 1000, 2 * time.Millisecond, ""},
			{"second waits", 0, 1000, 3 * time.Millisecond, ""},
			{"third finds two held: dropped", 0, 1000, -1, ReasonQueue},
			{"the drop took no time", 0, 0, -1, ReasonQueue},
			{"first sent in full at 1ms: room again", ms(1), 1000, 3 * time.Millisecond, ""},
			{"all sent by 3ms", ms(3), 1000, 2 * time.Millisecond, ""},
		}},
		{"2500 bytes", 0, 2500, []step{
			{"1000", 0, 1000, 2 * time.Millisecond, ""},
			{"2000", 0, 1000, 3 * time.Millisecond, ""},
			{"3000 would not fit", 0, 1000, -1, ReasonQueue},
			{"2500 fits", 0, 500, 3500 * time.Microsecond, ""},
			{"larger than the queue: never fits", ms(10), 3000, -1, ReasonQueue},
		}},
		{"both limits", 3, 1500, []step{
			{"500", 0, 500, 1500 * time.Microsecond, ""},
			{"1000", 0, 500, 2 * time.Millisecond, ""},
			{"1500", 0, 500, 2500 * time.Microsecond, ""},
			{"a fourth empty datagram: the packet limit", 0, 0, -1, ReasonQueue},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := faultless()
			p.Delay = Delay{Kind: Constant, Value: time.Millisecond}
			p.Bandwidth = 8e6
			p.Queue, p.QueueBytes = tt.queue, tt.bytes
			net := New(1, Config{Default: p}, namer("A", "B"))
			drops := 0
			for _, s := range tt.steps {
				d := send(net, s.at, 0, 1, make([]byte, s.size))
				got := time.Duration(-1)
				if len(d.Copies) > 0 {
					got = d.Copies[0].Delay
				} else {
					drops++
				}
				if got != s.want || d.Reason != s.reason {
					t.Errorf("%s: delay %v, reason %q; want %v, %q", s.name, got, d.Reason, s.want, s.reason)
				}
			}
			if st := net.Stats(); st.Overflowed != drops {
				t.Errorf("Stats().Overflowed = %d; want %d", st.Overflowed, drops)
			}
		})
	}
}

// TestQueueNeedsBandwidth: without a bandwidth limit nothing waits, so no
// queue forms and none overflows.
func TestQueueNeedsBandwidth(t *testing.T) {
	p := faultless()
	p.Queue = 1
	net := New(1, Config{Default: p}, namer("A", "B"))
	for i := range 10 {
		if d := send(net, 0, 0, 1, make([]byte, 1000)); d.Reason != "" {
			t.Fatalf("send %d dropped (%s) without a bandwidth limit", i, d.Reason)
		}
	}
}

// TestQueuePerDirection: each direction of each link has its own queue.
func TestQueuePerDirection(t *testing.T) {
	p := faultless()
	p.Bandwidth = 8e6
	p.Queue = 1
	net := New(1, Config{Default: p}, namer("A", "B", "C"))
	for _, dir := range [][2]sim.NodeID{{0, 1}, {1, 0}, {0, 2}, {2, 1}} {
		if d := send(net, 0, dir[0], dir[1], make([]byte, 1000)); d.Reason != "" {
			t.Errorf("%v: dropped (%s); want its own empty queue", dir, d.Reason)
		}
	}
	if d := send(net, 0, 0, 1, make([]byte, 1000)); d.Reason != ReasonQueue {
		t.Errorf("second datagram A -> B: reason %q; want %q", d.Reason, ReasonQueue)
	}
}

// TestBandwidthDuplicate checks that a duplicate shares the original's
// serialisation instead of queueing again.
func TestBandwidthDuplicate(t *testing.T) {
	p := faultless()
	p.Delay = Delay{Kind: Constant, Value: time.Millisecond}
	p.Bandwidth = 8e6
	p.Duplicate = 1
	net := New(1, Config{Default: p}, namer("A", "B"))
	want := []sim.Arrival{
		{Delay: 2 * time.Millisecond, Fate: sim.Delivered},
		{Delay: 2 * time.Millisecond, Fate: sim.Duplicated},
	}
	d := send(net, 0, 0, 1, make([]byte, 1000))
	for i := range d.Copies {
		d.Copies[i].Msg = nil
	}
	if diff := cmp.Diff(want, d.Copies); diff != "" {
		t.Errorf("copies (-want +got):\n%s", diff)
	}
	if got := send(net, 0, 0, 1, make([]byte, 1000)).Copies[0].Delay; got != 3*time.Millisecond {
		t.Errorf("next datagram's delay %v; want 3ms (one datagram ahead of it)", got)
	}
}

// TestReorderDelay checks the extra delay of a reordered copy: in
// (0, ReorderDelay], and none when ReorderDelay is 0.
func TestReorderDelay(t *testing.T) {
	for _, rd := range []time.Duration{0, 1, 3, 50 * time.Millisecond} {
		p := faultless()
		p.Reorder = 1
		p.ReorderDelay = rd
		net := New(1, Config{Default: p}, namer("A", "B"))
		seen := map[time.Duration]bool{}
		for i := range 2000 {
			c := send(net, sim.Time(i), 0, 1, nil).Copies[0]
			extra := c.Delay - p.Delay.Value
			if rd == 0 {
				if extra != 0 || c.Fate != sim.Delivered {
					t.Fatalf("ReorderDelay 0: copy %+v; want an ordinary copy", c)
				}
				continue
			}
			if extra <= 0 || extra > rd || c.Fate != sim.Reordered {
				t.Fatalf("ReorderDelay %v: extra delay %v, fate %v; want in (0, %v], reordered", rd, extra, c.Fate, rd)
			}
			seen[extra] = true
		}
		if rd > 0 && rd <= 3 && len(seen) != int(rd) {
			t.Errorf("ReorderDelay %v: %d distinct extra delays; want all %d", rd, len(seen), rd)
		}
	}
}

// TestValidate checks the backstop validation of parameters.
func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(p *Params)
		wantErr string // "" for valid
	}{
		{"default", func(p *Params) {}, ""},
		{"zero delay", func(p *Params) { p.Delay = Delay{} }, ""},
		{"extremes", func(p *Params) { p.Loss, p.Duplicate, p.Reorder, p.Corrupt = 0, 1, 1, 0 }, ""},
		{"unlimited bandwidth", func(p *Params) { p.Bandwidth = math.Inf(1) }, ""},
		{"loss above 1", func(p *Params) { p.Loss = 1.5 }, "loss 1.5 is not a probability in [0, 1]"},
		{"negative duplicate", func(p *Params) { p.Duplicate = -0.1 }, "duplicate -0.1 is not a probability"},
		{"NaN reorder", func(p *Params) { p.Reorder = math.NaN() }, "reorder NaN is not a probability"},
		{"corrupt", func(p *Params) { p.Corrupt = 2 }, "corrupt 2 is not"},
		{"negative bandwidth", func(p *Params) { p.Bandwidth = -1 }, "bandwidth -1 bit/s is not >= 0"},
		{"NaN bandwidth", func(p *Params) { p.Bandwidth = math.NaN() }, "bandwidth NaN"},
		{"negative reorder delay", func(p *Params) { p.ReorderDelay = -time.Second }, "reorder_delay -1s is negative"},
		{"negative queue", func(p *Params) { p.Queue = -1 }, "queue -1 outside"},
		{"huge queue bytes", func(p *Params) { p.QueueBytes = MaxQueue + 1 }, "queue_bytes 1073741825 outside"},
		{"negative constant", func(p *Params) { p.Delay = Delay{Kind: Constant, Value: -1} }, "constant delay -1ns is negative"},
		{"uniform min > max", func(p *Params) { p.Delay = Delay{Kind: Uniform, Min: 2 * time.Millisecond, Max: time.Millisecond} },
			"uniform delay max 1ms is below min 2ms"},
		{"uniform negative min", func(p *Params) { p.Delay = Delay{Kind: Uniform, Min: -1, Max: 1} }, "uniform delay min -1ns is negative"},
		{"exponential", func(p *Params) { p.Delay = Delay{Kind: Exponential, Mean: -1} }, "exponential delay mean -1ns is negative"},
		{"normal mean", func(p *Params) { p.Delay = Delay{Kind: Normal, Mean: -1} }, "normal delay mean -1ns is negative"},
		{"normal stddev", func(p *Params) { p.Delay = Delay{Kind: Normal, Mean: 1, Stddev: -1} }, "normal delay stddev -1ns is negative"},
		{"unknown", func(p *Params) { p.Delay = Delay{Kind: "pareto"} }, `unknown delay distribution "pareto"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultParams()
			tt.change(&p)
			err := p.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v; want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Validate() = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestConfigValidate checks that Config.Validate names a bad override.
func TestConfigValidate(t *testing.T) {
	cfg := Config{Default: DefaultParams(), Links: []LinkPatch{
		{From: "A", To: "server", Patch: Patch{Loss: ptr(0.3)}},
		{To: "server", Patch: Patch{Delay: &Delay{Kind: Uniform, Min: 2, Max: 1}}},
	}}
	want := "links[1] (* -> server): uniform delay max 1ns is below min 2ns"
	if err := cfg.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() = %v; want %q", err, want)
	}
	cfg.Links = cfg.Links[:1]
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate() = %v; want nil", err)
	}
	cfg.Default.Loss = -1
	if err := cfg.Validate(); err == nil {
		t.Error("Validate() with loss -1 = nil; want an error")
	}
	for _, patch := range []Patch{
		{Bandwidth: ptr(-1.0)}, {Loss: ptr(2.0)}, {Duplicate: ptr(2.0)}, {Reorder: ptr(-1.0)},
		{Corrupt: ptr(math.NaN())}, {ReorderDelay: ptr(-time.Second)}, {Delay: &Delay{Kind: "x"}},
	} {
		if err := patch.Validate(); err == nil {
			t.Errorf("Patch.Validate() of %+v = nil; want an error", patch)
		}
	}
}

// TestDelayString checks how reports show a delay.
func TestDelayString(t *testing.T) {
	tests := []struct {
		d    Delay
		want string
	}{
		{Delay{}, "0s"},
		{Delay{Kind: Constant, Value: 5 * time.Millisecond}, "5ms"},
		{Delay{Kind: Uniform, Min: time.Millisecond, Max: 20 * time.Millisecond}, "uniform(1ms, 20ms)"},
		{Delay{Kind: Exponential, Mean: 10 * time.Millisecond}, "exponential(mean 10ms)"},
		{Delay{Kind: Normal, Mean: 10 * time.Millisecond, Stddev: 2 * time.Millisecond}, "normal(mean 10ms, stddev 2ms)"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("%#v.String() = %q; want %q", tt.d, got, tt.want)
		}
	}
}

// TestQueueDoesNotShiftDraws: a datagram the queue drops still takes its
// eight numbers from the link's stream, so every other datagram meets the
// same fate (loss, duplication) with or without a queue.
func TestQueueDoesNotShiftDraws(t *testing.T) {
	p := faultless()
	p.Bandwidth = 8e6
	p.Loss, p.Duplicate = 0.5, 0.5
	free := New(7, Config{Default: p}, namer("A", "B"))
	p.Queue = 3
	bounded := New(7, Config{Default: p}, namer("A", "B"))
	overflowed := 0
	for i := range 200 {
		at := sim.Time(i) * sim.Time(300*time.Microsecond)
		a := send(free, at, 0, 1, make([]byte, 1000))
		b := send(bounded, at, 0, 1, make([]byte, 1000))
		if b.Reason == ReasonQueue {
			overflowed++
			continue
		}
		if a.Reason != b.Reason || len(a.Copies) != len(b.Copies) {
			t.Fatalf("datagram %d: %q with %d copies without a queue, %q with %d with one", i, a.Reason, len(a.Copies), b.Reason, len(b.Copies))
		}
	}
	if overflowed == 0 {
		t.Fatalf("the queue never overflowed: the test checks nothing")
	}
}

// TestSharedQueue: directions a shared override matches wait in one queue
// behind one bandwidth, as senders do on a receiver's access link; other
// directions keep their own.
func TestSharedQueue(t *testing.T) {
	p := faultless()
	p.Delay = Delay{Kind: Constant, Value: time.Millisecond}
	bw, q := 8e6, 2
	cfg := Config{Default: p, Links: []LinkPatch{{From: "*", To: "R", Patch: Patch{Bandwidth: &bw, Queue: &q}, Shared: true}}}
	net := New(1, cfg, namer("S1", "S2", "S3", "R"))
	const s1, s2, s3, r = 0, 1, 2, 3
	steps := []struct {
		name     string
		from, to sim.NodeID
		want     time.Duration // -1: dropped
	}{
		{"S1 -> R first: 1ms to send", s1, r, 2 * time.Millisecond},
		{"S2 -> R waits for S1's", s2, r, 3 * time.Millisecond},
		{"S3 -> R finds two held: dropped", s3, r, -1},
		{"R -> S1 is not shared", r, s1, time.Millisecond},
	}
	for _, st := range steps {
		d := send(net, 0, st.from, st.to, make([]byte, 1000))
		got := time.Duration(-1)
		if len(d.Copies) > 0 {
			got = d.Copies[0].Delay
		}
		if got != st.want {
			t.Errorf("%s: delay %v (%s); want %v", st.name, got, d.Reason, st.want)
		}
	}
	// Without Shared, each sender has its own queue.
	cfg.Links[0].Shared = false
	own := New(1, cfg, namer("S1", "S2", "S3", "R"))
	for _, from := range []sim.NodeID{s1, s2, s3} {
		if d := send(own, 0, from, r, make([]byte, 1000)); len(d.Copies) == 0 || d.Copies[0].Delay != 2*time.Millisecond {
			t.Errorf("unshared %d -> R: %+v; want its own idle queue", from, d)
		}
	}
}
