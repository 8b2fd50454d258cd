package explore

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/scenarios"
)

var update = flag.Bool("update", false, "rewrite the shrunk counterexamples in testdata/shrunk")

// shrinkCase is a violation TestShrinkGolden shrinks: a seed of a
// scenario file that breaks invariant.
type shrinkCase struct {
	file      string
	seed      uint64
	invariant string
	// rows and faults are the golden file's, checked against the
	// Finding's counts so that a wrong -update is noticed.
	rows, faults int
}

// TestShrinkGolden: known violations shrink to specific small files,
// kept in testdata/shrunk as NAME-SEED-INVARIANT.yaml (-update rewrites
// them): rows and faults the break does not need are gone, a loss of
// 0.345 is 0.3, a crash at 14.589s is at 14s, and `sim run` of the file
// reproduces the break.
func TestShrinkGolden(t *testing.T) {
	for _, tc := range []shrinkCase{
		// The crash drawn at 14.589s for 2.099s moves to 14s and lasts
		// 1ms; the rows after the open at 30s go.
		{"../../docs/examples/write_buffer.yaml", 1, "point_in_time_disk", 10, 2},
		// loss 0.345 rounds to 0.3 and the delay of 28ms falls to the
		// range's least, 5ms; the other drawn values, the crash of A
		// and three of the four rows go.
		{"testdata/at_least_once.yaml", 2, "at_most_once", 1, 0},
		// Reordering alone breaks it: 0.137 rounds to 0.13, the delay
		// of 36ms to 20ms; the partition goes.
		{"testdata/at_least_once.yaml", 7, "at_most_once", 1, 0},
		// Of the two blocks and the link change explore.faults drew,
		// one block is kept with its unblock, earlier and shorter at
		// round instants (1.912s to 2.26s becomes 1.9s to 2.1s), and
		// the row whose reply it blocks, and no other.
		{"testdata/lost_reply.yaml", 1, "at_most_once", 1, 2},
		// The program row stays, in its place among the rows: its
		// readers keep the run going past the flush that writes A Y.
		{"testdata/program.yaml", 49, "point_in_time_disk", 10, 2},
	} {
		name := strings.TrimSuffix(filepath.Base(tc.file), ".yaml")
		t.Run(name, func(t *testing.T) { checkShrunk(t, name, tc) })
	}
}

// checkShrunk shrinks the violation of tc and compares it with its
// golden file, which `sim run` must reproduce.
func checkShrunk(t *testing.T, name string, tc shrinkCase) {
	data, err := os.ReadFile(tc.file)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(name+".yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.Seed(tc.seed)
	if err != nil {
		t.Fatal(err)
	}
	var f *Finding
	for i := range o.Findings {
		if o.Findings[i].Invariant == tc.invariant {
			f = &o.Findings[i]
		}
	}
	if f == nil {
		t.Fatalf("seed %d found %+v; want %s", tc.seed, o.Findings, tc.invariant)
	}
	golden := filepath.Join("testdata", "shrunk", name+"-"+f.FileName())
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, f.Scenario, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./scenarios/explore -run ShrinkGolden -update writes it)", err)
	}
	if diff := cmp.Diff(string(want), string(f.Scenario)); diff != "" {
		t.Errorf("%s (-golden +shrunk now):\n%s", golden, diff)
	}
	if f.Rows != tc.rows || f.Faults != tc.faults || f.ShrinkCapped {
		t.Errorf("shrunk to %d rows and %d faults (capped %t); want %d and %d", f.Rows, f.Faults, f.ShrinkCapped, tc.rows, tc.faults)
	}
	sc, err := scenarios.Load(golden, want)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Violations) == 0 || res.Violations[0].Invariant != tc.invariant || res.Violations[0].Message != f.Message {
		t.Errorf("sim run %s: violations %+v; want %s: %q", golden, res.Violations, tc.invariant, f.Message)
	}
}

// TestRoundings: the simpler values of a value, simplest first; down
// never goes above it; a value at its least has none.
func TestRoundings(t *testing.T) {
	for _, tc := range []struct {
		v, least int64
		down     bool
		want     []int64
	}{
		// A loss of 0.273, in thousandths: 0, then one digit (0.1 half
		// of it, 0.2 down, 0.3 nearest), then two (0.25, 0.27).
		{273, 0, false, []int64{0, 100, 200, 300, 250, 270}},
		// A crash at 14.589s moves only earlier.
		{14589, 0, true, []int64{0, 7000, 10000, 14000, 14500, 14550, 14580, 14585}},
		// A downtime of 1.063s, at least 1ms.
		{1063, 1, false, []int64{1, 500, 1000, 1100, 1050, 1060}},
		{1, 1, false, nil},
		{0, 0, true, nil},
		// Already one digit: only smaller one-digit values.
		{300, 0, false, []int64{0, 200}},
	} {
		if got := roundings(tc.v, tc.least, tc.down); !cmp.Equal(got, tc.want) {
			t.Errorf("roundings(%d, %d, %t) = %v; want %v", tc.v, tc.least, tc.down, got, tc.want)
		}
	}
}

// TestSimplerThanIsAnOrder: simplerThan is a strict order on values
// (never both ways, never of a value and itself), so that shrinking
// values ends.
func TestSimplerThanIsAnOrder(t *testing.T) {
	for a := int64(0); a < 300; a++ {
		if simplerThan(a, a) {
			t.Fatalf("%d simpler than itself", a)
		}
		for b := a + 1; b < 300; b++ {
			if simplerThan(a, b) == simplerThan(b, a) {
				t.Fatalf("%d and %d: %t both ways", a, b, simplerThan(a, b))
			}
		}
	}
}
