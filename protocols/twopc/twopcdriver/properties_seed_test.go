package twopcdriver

import "github.com/sim-lecture/sim/sim/simtest"

func init() { simtest.ReproducibleProperties() }
