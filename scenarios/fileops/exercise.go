package fileops

import (
	"time"

	"github.com/sim-lecture/sim/scenarios"
)

// Exercise is how file system `system` (nfs or afs) writes exercises for
// `sim quiz`: clients open, read, write and close two small files at
// random times a few seconds apart, so that the attribute cache (NFS) and
// the callbacks (AFS) decide what the server is asked. Every client acts
// (it opens a file at least once), and every file opened is closed.
// Lecture: the NFS and AFS timeline tables.
func Exercise(system string) *scenarios.Exercise {
	return &scenarios.Exercise{Clients: 2, Steps: 8,
		MinSteps: func(clients int) int { return 2 * clients },
		Write: func(w *scenarios.ExerciseWriter, seed uint64, clients, steps int) {
			writeExercise(w, system, seed, clients, steps)
		}}
}

func writeExercise(w *scenarios.ExerciseWriter, system string, seed uint64, clients, steps int) {
	what := "NFS, attribute cache 3s"
	if system == "afs" {
		what = "AFS, whole-file caching with callbacks"
	}
	w.Line("description: \"Exercise (%s; fileA holds blocks a0 a1 a2, fileB b0 b1 b2): what is the server asked at each step, and what does each read return?\"", what)
	w.Line("seed: %d", seed)
	w.Line("systems: [%s]", system)
	if system == "nfs" {
		w.Line("nfs: {attr_timeout: 3s}")
	}
	w.Line("files:")
	w.Line("  fileA: [a0, a1, a2]")
	w.Line("  fileB: [b0, b1, b2]")
	w.Line("workload:")
	open := make([]bool, clients)
	used := make([]bool, clients)
	writes := make([]int, clients)
	at := time.Duration(0)
	for row := 0; row < steps; row++ {
		if row > 0 {
			at += []time.Duration{time.Second, 2 * time.Second, 2 * time.Second, 4 * time.Second, 10 * time.Second}[w.Rand.IntN(5)]
		}
		// fits says whether the rows after this one can still close every
		// open file and let every client that has not acted open and close
		// one, once this row leaves opened files open and unused clients
		// unused: every client is asked about, and no file is left open.
		after := steps - row - 1
		fits := func(opened, unused int) bool {
			need := opened + 2*unused
			if opened == 0 && after > 0 {
				need = max(need, 2) // an open, then its close
			}
			return after >= need
		}
		opened, unused := count(open), clients-count(used)
		var who []int
		for c := range open {
			u := unused
			if !used[c] {
				u--
			}
			if open[c] || fits(opened+1, u) {
				who = append(who, c)
			}
		}
		c := who[w.Rand.IntN(len(who))]
		name := scenarios.ClientName(c)
		canClose, canUse := fits(opened-1, unused), fits(opened, unused)
		switch {
		case !open[c]:
			w.Line("  - {at: %s, op: open, client: %s, file: %s, fd: f}", scenarios.FormatTime(at), name, w.Pick("fileA", "fileB"))
			open[c], used[c] = true, true
		case !canUse:
			w.Line("  - {at: %s, op: close, client: %s, fd: f}", scenarios.FormatTime(at), name)
			open[c] = false
		default:
			switch k := w.Rand.IntN(10); {
			case k >= 8 && canClose:
				w.Line("  - {at: %s, op: close, client: %s, fd: f}", scenarios.FormatTime(at), name)
				open[c] = false
			case k < 5 || k >= 8:
				w.Line("  - {at: %s, op: read, client: %s, fd: f, block: %d}", scenarios.FormatTime(at), name, w.Rand.IntN(3))
			default:
				writes[c]++
				w.Line("  - {at: %s, op: write, client: %s, fd: f, block: %d, data: %s%d}", scenarios.FormatTime(at), name, w.Rand.IntN(3), name, writes[c])
			}
		}
	}
}

func count(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
