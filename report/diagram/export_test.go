package diagram

// CheckPlacement runs checkPlacement for the tests of package
// diagram_test: what is wrong with where d's message labels are drawn.
func CheckPlacement(d *Diagram) []string { return checkPlacement(d.l) }

// MovedLabels counts the labels of d drawn as numbered markers.
func MovedLabels(d *Diagram) int { return len(d.l.moved) }
