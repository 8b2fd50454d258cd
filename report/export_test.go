package report

// StartOrder is startOrder, for the tests.
var StartOrder = startOrder
