package messagingdriver

import (
	"strings"
	"testing"

	"github.com/sim-lecture/sim/sim"
)

// TestExactlyOnceInOrder shows the check failing on each way a stream can
// break the promise, and holding where the transport said so or an end
// crashed.
func TestExactlyOnceInOrder(t *testing.T) {
	sent := []sim.Time{0, 1, 2}
	d := func(seq, life int) Delivery { return Delivery{At: sim.Time(10 + seq), Seq: seq, Life: life} }
	for _, tc := range []struct {
		name    string
		st      StreamLog
		stopped bool
		want    string // "" when the promise holds
	}{
		{"all once in order", StreamLog{Sent: sent, Deliveries: []Delivery{d(0, 0), d(1, 0), d(2, 0)}}, false, ""},
		{"a duplicate", StreamLog{Sent: sent, Deliveries: []Delivery{d(0, 0), d(1, 0), d(1, 0), d(2, 0)}}, false, "message 1 was handed to B twice"},
		{"out of order", StreamLog{Sent: sent, Deliveries: []Delivery{d(0, 0), d(2, 0), d(1, 0)}}, false, "message 1 was handed to B at 11ns, after message 2"},
		{"altered", StreamLog{Sent: sent, Deliveries: []Delivery{d(0, 0), {At: 11, Seq: 1, Altered: true}, d(1, 0), d(2, 0)}}, false, "message 1 was handed to B altered"},
		{"lost silently", StreamLog{Sent: sent, Deliveries: []Delivery{d(0, 0), d(2, 0)}}, false, "1 message never reached B, and the sender was not told (messages 1)"},
		{"lost and said so", StreamLog{Sent: sent, Deliveries: []Delivery{d(0, 0), d(2, 0)}, GivenUp: map[int]bool{1: true}}, false, ""},
		{"lost in a crash", StreamLog{Sent: sent, Deliveries: []Delivery{d(0, 0)}, EndCrashed: true}, false, ""},
		{"again after the receiver restarted", StreamLog{Sent: sent, Deliveries: []Delivery{d(0, 0), d(0, 1), d(1, 1), d(2, 1)}, EndCrashed: true}, false, ""},
		{"twice in one life despite a crash", StreamLog{Sent: sent, Deliveries: []Delivery{d(0, 1), d(0, 1)}, EndCrashed: true}, false, "message 0 was handed to B twice"},
		{"a run stopped at its bound", StreamLog{Sent: sent, Deliveries: []Delivery{d(0, 0)}}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.st.From, tc.st.To = "A", "B"
			got := ExactlyOnceInOrder(&Evidence{Streams: []StreamLog{tc.st}}, tc.stopped)
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("got %q; want the promise kept", got)
			case tc.want != "" && (len(got) == 0 || !strings.Contains(got[0], tc.want)):
				t.Errorf("got %q; want %q", got, tc.want)
			}
		})
	}
}
