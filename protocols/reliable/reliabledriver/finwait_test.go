package reliabledriver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/protocols/reliable"
	"github.com/sim-lecture/sim/scenarios"
)

// RFC 9293 §3.10.2 ("error: connection closing") and Linux's
// tcp_fin_timeout: a send after close: true waits for the peer's close at
// most reliable.fin_timeout (from our FIN, or from the send if later);
// then the sender is told, so the run ends without a violation and a
// program's later iterations run (each failing at once while the
// connection stays half-open). A peer that closes in time lets the
// message open the next connection.
func TestSendAfterCloseIsBounded(t *testing.T) {
	closing := "given up by the transport (" + reliable.ErrClosing.Error() + ")"
	epipe := "EPIPE: connection closing: B has not closed its direction (reliable.fin_timeout)"
	for _, tc := range []struct {
		name, src string
		wantEnd   string
		// wantSteps: each row's (or kept program step's) result and
		// the part of its note that matters ("" for none).
		wantSteps []string
		// wantDelivered counts the messages B's and A's applications got.
		wantDelivered int
	}{
		{name: "row after close, peer never closes", src: `
workload:
  - {at: 0, op: send, from: A, to: B, close: true}
  - {at: 5s, op: send, from: A, to: B}
`, wantEnd: "65s", wantDelivered: 1, wantSteps: []string{"ok: ", "ok: " + closing}},
		{name: "program, peer never closes", src: `
workload:
  - program: {clients: 1, every: 2s, until: 6s, steps: [{op: send, to: B, close: true}]}
`, wantEnd: "62.009383589s", wantDelivered: 1, wantSteps: []string{"ok: ", epipe, epipe}},
		{name: "short fin_timeout", src: `
reliable: {fin_timeout: 2s}
workload:
  - {at: 0, op: send, from: A, to: B, close: true}
  - {at: 1s, op: send, from: A, to: B}
  - {at: 5s, op: send, from: A, to: B}
`, wantEnd: "5s", wantDelivered: 1, wantSteps: []string{"ok: ", "ok: " + closing, "ok: " + closing}},
		{name: "peer closes just before fin_timeout", src: `
reliable: {fin_timeout: 10s}
workload:
  - {at: 0, op: send, from: A, to: B, close: true}
  - {at: 5s, op: send, from: A, to: B}
  - {at: 14.9s, op: send, from: B, to: A, close: true}
`, wantEnd: "14.925s", wantDelivered: 3, wantSteps: []string{"ok: ", "ok: ", "ok: "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "name: t\nsystems: [reliable]\n" + strings.TrimPrefix(tc.src, "\n")
			sc, err := scenarios.Load("t.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			res, _, err := scenarios.Run(sc, scenarios.Options{KeepSteps: 100})
			if err != nil {
				t.Fatal(err)
			}
			sys := &res.Systems[0]
			if len(res.Violations) > 0 || sys.Bound != "" {
				t.Errorf("violations %+v, bound %q; want none: the sender is told", res.Violations, sys.Bound)
			}
			if sys.End != tc.wantEnd {
				t.Errorf("the run ended at %s; want %s", sys.End, tc.wantEnd)
			}
			delivered := 0
			for _, st := range sys.Streams() {
				delivered += st.Delivered
			}
			if delivered != tc.wantDelivered {
				t.Errorf("%d messages delivered; want %d", delivered, tc.wantDelivered)
			}
			var got []string
			for _, st := range append(sys.Steps, sys.ProgramSteps...) {
				note := ""
				if i := strings.Index(st.Note, "given up by the transport"); i >= 0 {
					note = st.Note[i:]
				} else if st.Result != "ok" {
					note = st.Note
				}
				got = append(got, fmt.Sprintf("%s: %s", st.Result, note))
			}
			if diff := cmp.Diff(tc.wantSteps, got); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
		})
	}
}
