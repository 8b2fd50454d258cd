package nfs

import (
	"testing"

	"github.com/sim-lecture/sim/sim"
)

// TestStateRecords plays the lecture's write-buffer story (write A B C,
// flush, X, flush, Y, crash, restart, Z) under each write policy, and
// checks the server's state records against the server itself: at every
// instant the story looks, "mem f" is what the server's memory holds (only
// under buffered and nvram: under write-through the memory never differs
// from the disk), and "disk f" (and "nvram f" under nvram) is what its
// disk holds. The crash forgets "mem f" and keeps "disk f".
//
// Lecture: "Server Write Buffer Lost", its "server mem" and "server disk"
// rows.
func TestStateRecords(t *testing.T) {
	base := stories[0]
	for _, policy := range []WritePolicy{WriteThrough, Buffered, NVRAM} {
		t.Run(policy.String(), func(t *testing.T) {
			st := base
			st.sopts.WritePolicy = policy
			c := newCluster(t, st.sopts, st.copts, st.clients...)
			type look struct {
				mem, disk, nvram string // "" = no such state
			}
			seen := map[float64]look{}
			check := func(at float64) {
				c.w.At(secs(at), func() {
					states := sim.NewStates()
					for _, r := range c.w.Trace().Records() {
						states.Apply(r)
					}
					var l look
					l.mem, _, _ = states.Get(c.server, "mem f")
					l.disk, _, _ = states.Get(c.server, "disk f")
					l.nvram, _, _ = states.Get(c.server, "nvram f")
					seen[at] = l
					// The mem row shows a file the server changed in
					// memory during its current life.
					if l.mem != "" {
						if want := sim.Cells(c.srv().Files()["f"]); !c.w.Up(c.server) || l.mem != want {
							t.Errorf("%vs: mem f = %q; the server's memory holds %q", at, l.mem, want)
						}
					}
					disk, err := ReadDisk(c.w.Disk(c.server))
					if err != nil {
						t.Fatal(err)
					}
					want := sim.Cells(disk["f"])
					if policy != NVRAM && l.disk != want {
						t.Errorf("%vs: disk f = %q; the disk holds %q", at, l.disk, want)
					}
				})
			}
			for _, at := range []float64{0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 9} {
				check(at)
			}
			st.schedule(c)
			c.run()
			switch policy {
			case WriteThrough:
				for at, l := range seen {
					if l.mem != "" || l.nvram != "" {
						t.Errorf("write-through, %vs: %+v; want no mem and no nvram rows", at, l)
					}
				}
				if got := seen[5.5].disk; got != "[X] [Y] [C]" {
					t.Errorf("write-through, 5.5s: disk f = %q; want [X] [Y] [C] (written before the reply)", got)
				}
			case Buffered:
				if got := seen[5.5]; got.mem != "[X] [Y] [C]" || got.disk != "[X] [B] [C]" {
					t.Errorf("buffered, 5.5s: %+v; want mem [X] [Y] [C] over disk [X] [B] [C] (the slide)", got)
				}
				for _, at := range []float64{6.5, 7.5} {
					if got := seen[at]; got.mem != "" || got.disk != "[X] [B] [C]" {
						t.Errorf("buffered, %vs, after the crash: %+v; want no mem, disk [X] [B] [C]", at, got)
					}
				}
			case NVRAM:
				if got := seen[5.5]; got.nvram != "[X] [Y] [C]" || got.disk != "[X] [B] [C]" {
					t.Errorf("nvram, 5.5s: %+v; want nvram [X] [Y] [C] over disk [X] [B] [C]", got)
				}
				if got := seen[7.5]; got.nvram != "" || got.disk != "[X] [Y] [C]" {
					t.Errorf("nvram, after the restart's replay: %+v; want no nvram, disk [X] [Y] [C]", got)
				}
			}
		})
	}
}
