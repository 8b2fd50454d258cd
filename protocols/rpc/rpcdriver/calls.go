package rpcdriver

import (
	"strings"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

// callRef locates a call in the result: step index and position in that
// step's Calls.
type callRef struct{ step, idx int }

// CallLog is the run's rpc.Observer. It lists every RPC in the step that was
// running when the RPC started (the contract: "every RPC started because of
// that step, until the next workload row runs"), counts each call's sends,
// and counts how many times servers executed each call. It lives outside
// every node, so it survives crashes: it is the observer's notebook, not
// protocol state.
type CallLog struct {
	r          *scenarios.SystemRun
	calls      map[rpc.CallID]callRef
	executions map[rpc.CallID]int
	done       map[rpc.CallID]error
	// byStep lists, per step, the call ids the step's own application call
	// made (for call rows: the call whose executions the step reports).
	byStep map[int][]rpc.CallID
}

func NewCallLog(r *scenarios.SystemRun) *CallLog {
	return &CallLog{r: r, calls: map[rpc.CallID]callRef{}, executions: map[rpc.CallID]int{},
		done: map[rpc.CallID]error{}, byStep: map[int][]rpc.CallID{}}
}

// CallStarted implements rpc.Observer.
func (l *CallLog) CallStarted(at sim.Time, from, to sim.NodeID, proc string, id rpc.CallID) {
	name := strings.ToUpper(proc)
	if l.r.Result.Stats.Calls == nil {
		l.r.Result.Stats.Calls = map[string]int{}
	}
	l.r.Result.Stats.Calls[name]++
	step := l.r.Current()
	if step < 0 {
		return // before the first workload row: nobody to attribute it to
	}
	st := &l.r.Result.Steps[step]
	st.Calls = append(st.Calls, report.Call{From: l.r.World.Name(from), To: l.r.World.Name(to), Proc: name})
	l.calls[id] = callRef{step, len(st.Calls) - 1}
	if step < l.r.Rows() {
		// A program step's calls are forgotten when they end
		// (CallDone): the log must not grow with the run.
		l.byStep[step] = append(l.byStep[step], id)
	}
}

// Attempt implements rpc.Observer: attempts is the number of sends.
func (l *CallLog) Attempt(at sim.Time, id rpc.CallID, n int) {
	if ref, ok := l.calls[id]; ok {
		l.r.Result.Steps[ref.step].Calls[ref.idx].Attempts = n
	}
}

// CallDone implements rpc.Observer.
func (l *CallLog) CallDone(at sim.Time, id rpc.CallID, err error) {
	if ref, ok := l.calls[id]; ok && ref.step >= l.r.Rows() {
		delete(l.calls, id)
		delete(l.executions, id)
		return
	}
	l.done[id] = err
}

// Executed implements rpc.Observer.
func (l *CallLog) Executed(at sim.Time, server sim.NodeID, proc string, id rpc.CallID) {
	if ref, ok := l.calls[id]; ok && ref.step >= l.r.Rows() {
		return
	}
	l.executions[id]++
}

// Dropped implements rpc.Observer.
func (l *CallLog) Dropped(sim.Time, sim.NodeID, rpc.CallID, string) {}

// CachedReply implements rpc.Observer.
func (l *CallLog) CachedReply(sim.Time, sim.NodeID, rpc.CallID) {}
