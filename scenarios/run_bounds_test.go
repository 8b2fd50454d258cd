package scenarios_test

import (
	"strings"
	"testing"

	_ "github.com/sim-lecture/sim/protocols/all"
	"github.com/sim-lecture/sim/scenarios"
)

// TestRunBoundsByDefault: the inputs that once exhausted the machine stop
// at a bound that names the limits key raising it, quickly and within
// memory.
func TestRunBoundsByDefault(t *testing.T) {
	tests := []struct {
		name, workload, limits, want string
	}{
		{"udp flood", "{at: 0, op: send, from: A, to: B, count: 1000000, size: 65000B}", "", "raise limits.max_bytes_held"},
		{"reliable backlog", "{at: 0, op: send, from: A, to: B, count: 1000000, size: 60000B}", "", "raise limits.max_bytes_held"},
		{"udp moved", "{at: 0, op: send, from: A, to: B, count: 1000, size: 1000B, interval: 1ms}", "limits: {max_bytes_moved: 100KB}", "raise limits.max_bytes_moved"},
		{"events", "{at: 0, op: send, from: A, to: B, count: 1000, interval: 1ms}", "limits: {max_events: 100}", "raise limits.max_events"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sys := "udp"
			if strings.HasPrefix(tc.name, "reliable") {
				sys = "reliable"
			}
			src := "name: b\nsystems: [" + sys + "]\n" + tc.limits + "\nworkload:\n  - " + tc.workload + "\n"
			sc, err := scenarios.Load("b.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			res, _, err := scenarios.Run(sc, scenarios.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Violations) != 1 || !strings.Contains(res.Violations[0].Message, tc.want) {
				t.Fatalf("violations %+v; want one saying %q", res.Violations, tc.want)
			}
		})
	}
}

// TestStreamFatesAreBounded: a stream of many messages counts them all
// but describes only the first report.MaxMessageFates one by one.
func TestStreamFatesAreBounded(t *testing.T) {
	sc, err := scenarios.Load("f.yaml", []byte("name: f\nsystems: [udp]\nworkload:\n  - {at: 0, op: send, from: A, to: B, count: 12000, size: 8B, interval: 1ms}\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := res.Systems[0].Streams()[0]
	if st.Sent != 12000 || st.Delivered != 12000 || len(st.Messages) != 10000 || st.MessagesOmitted != 2000 {
		t.Errorf("sent %d, delivered %d, %d fates, %d omitted; want 12000, 12000, 10000, 2000",
			st.Sent, st.Delivered, len(st.Messages), st.MessagesOmitted)
	}
}
