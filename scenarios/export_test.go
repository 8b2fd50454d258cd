package scenarios

// Internals the external tests (package scenarios_test) check.
var (
	MaxVariants       = maxVariants
	MaxNodes          = maxNodes
	MaxErrors         = maxErrors
	ScenarioName      = scenarioName
	CheckExpectations = checkExpectations
	MaxAxisValues     = maxAxisValues
)
