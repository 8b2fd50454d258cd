package report

// RTTSample is one round-trip-time measurement of the reliable transport,
// taken under Karn's rule, with the smoothed RTT and the retransmission
// timeout just after the estimator took it (RFC 6298 §2): the series the
// adaptive-RTO scenario plots. Times and durations are Go duration strings,
// like every time of the result.
type RTTSample struct {
	// At is when the ACK that gave the sample arrived.
	At string `json:"at"`
	// From is the sender whose segment was timed, To its peer.
	From string `json:"from"`
	To   string `json:"to"`
	// Sample is the measured round-trip time.
	Sample string `json:"sample"`
	// SRTT is the smoothed round-trip time after the sample.
	SRTT string `json:"srtt"`
	// RTO is the retransmission timeout after the sample (clamped to the
	// scenario's min_rto and max_rto; the fixed timeout when rto is fixed).
	RTO string `json:"rto"`
}
