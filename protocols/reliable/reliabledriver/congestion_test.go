package reliabledriver

import (
	"strings"
	"testing"

	"github.com/sim-lecture/sim/protocols/reliable"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/scenariotest"
)

// The values of `congestion_control` the format documents, each loaded
// and run over a lossy link: `veno` (the default, and what `true` means),
// `reno`, and `off` (what `false` means). With a controller the result
// carries the congestion window and the trace Veno's verdict on each loss
// (Veno only); without one there is no window at all. Every value
// delivers the stream. Anything else is an error naming the key's place.
func TestCongestionControlValues(t *testing.T) {
	tests := []struct {
		value   string // "" leaves the key out
		cc      bool
		alg     reliable.Algorithm
		verdict bool // the trace has Veno's verdicts
	}{
		{"", true, reliable.Veno, true},
		{"veno", true, reliable.Veno, true},
		{"true", true, reliable.Veno, true},
		{"reno", true, reliable.Reno, false},
		{"off", false, reliable.Reno, false},
		{"false", false, reliable.Reno, false},
	}
	for _, tc := range tests {
		t.Run("value "+tc.value, func(t *testing.T) {
			block := "{}"
			if tc.value != "" {
				block = "{congestion_control: " + tc.value + "}"
			}
			src := `name: cc
systems: [reliable]
network: {delay: {dist: uniform, min: 5ms, max: 15ms}, loss: 0.1}
reliable: ` + block + `
workload:
  - {at: 0, op: send, from: A, to: B, count: 200, size: 1000B}
`
			sc := scenariotest.Load(t, src)
			opts, err := TransportOptions(sc)
			if err != nil {
				t.Fatal(err)
			}
			if opts.CongestionControl != tc.cc || tc.cc && opts.Congestion != tc.alg {
				t.Fatalf("options: congestion control %v, %v; want %v, %v", opts.CongestionControl, opts.Congestion, tc.cc, tc.alg)
			}
			res, worlds, err := scenarios.Run(sc, scenarios.Options{KeepTrace: true})
			if err != nil {
				t.Fatal(err)
			}
			sys := scenariotest.SystemOf(t, res, "reliable")
			for _, st := range sys.Streams() {
				if st.Delivered != st.Sent || !st.InOrder {
					t.Errorf("%s->%s: %+v; want every message once, in order", st.From, st.To, st)
				}
			}
			if got := len(CwndOf(sys)) > 0; got != tc.cc {
				t.Errorf("congestion window in the result: %v; want %v", got, tc.cc)
			}
			verdicts := 0
			for _, r := range worlds[0].Trace().Records() {
				if strings.HasPrefix(r.Info, "veno: ") {
					verdicts++
				}
			}
			if got := verdicts > 0; got != tc.verdict {
				t.Errorf("%d Veno verdicts in the trace; want some: %v", verdicts, tc.verdict)
			}
		})
	}
	_, err := scenarios.Load("cc.yaml", []byte("name: cc\nsystems: [reliable]\nreliable: {congestion_control: cubic}\nworkload:\n  - {at: 0, op: send, from: A, to: B}\n"))
	if err == nil || !strings.Contains(err.Error(), "cc.yaml:3:") || !strings.Contains(err.Error(), "congestion_control") {
		t.Errorf("congestion_control: cubic loads with error %v; want one naming cc.yaml:3 and the key", err)
	}
}
