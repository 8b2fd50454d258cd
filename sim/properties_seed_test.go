package sim

import "flag"

// Property tests start from seed 1 unless -rapid.seed is given (see
// simtest.ReproducibleProperties, which this package cannot import: simtest
// imports sim).
func init() {
	if f := flag.Lookup("rapid.seed"); f != nil && f.Value.String() == f.DefValue {
		if err := f.Value.Set("1"); err != nil {
			panic(err)
		}
	}
}
