package rpcdriver

import (
	"strings"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

// callRef locates a call in the result: step index and position in that
// step's Calls, and which of the steps its slot has held (a program's
// slots are reused: SystemRun.StepRun).
type callRef struct {
	step, idx int
	run       uint32
}

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
	// byStep lists, per step, the call ids the step's own application call
	// made (for call rows: the call whose executions the step reports).
	byStep map[int][]rpc.CallID
}

func NewCallLog(r *scenarios.SystemRun) *CallLog {
	return &CallLog{r: r, calls: map[rpc.CallID]callRef{}, executions: map[rpc.CallID]int{},
		byStep: map[int][]rpc.CallID{}}
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
	l.calls[id] = callRef{step, len(st.Calls) - 1, l.r.StepRun(step)}
	if step < l.r.Rows() {
		// A program step's calls are forgotten when they end
		// (CallDone): the log must not grow with the run.
		l.byStep[step] = append(l.byStep[step], id)
	}
}

// Attempt implements rpc.Observer: attempts is the number of sends.
func (l *CallLog) Attempt(at sim.Time, id rpc.CallID, n int) {
	ref, ok := l.calls[id]
	if !ok {
		return
	}
	if ref.run != l.r.StepRun(ref.step) {
		// The call outlived its program step (a call started while the
		// step was the last to run, still being resent after the
		// client's next iteration reused the step's slot): that step
		// was counted already, and the slot's calls are another step's.
		delete(l.calls, id)
		return
	}
	l.r.Result.Steps[ref.step].Calls[ref.idx].Attempts = n
}

// CallDone implements rpc.Observer: a program step's call is forgotten.
func (l *CallLog) CallDone(at sim.Time, id rpc.CallID, err error) {
	if ref, ok := l.calls[id]; ok && ref.step >= l.r.Rows() {
		delete(l.calls, id)
	}
}

// Executed implements rpc.Observer. Only a file row's call is counted:
// a program step's, or a copy that runs after its call was forgotten,
// would make the log grow with the run.
func (l *CallLog) Executed(at sim.Time, server sim.NodeID, proc string, id rpc.CallID) {
	if !l.rowCall(id) {
		return
	}
	l.executions[id]++
}

// rowCall reports whether id is a call of one of the file's own rows: the
// calls whose outcomes the rows' notes describe. The log keeps those until
// the end; it forgets a program step's calls when they end (CallDone).
func (l *CallLog) rowCall(id rpc.CallID) bool {
	ref, ok := l.calls[id]
	return ok && ref.step < l.r.Rows()
}

// Dropped implements rpc.Observer.
func (l *CallLog) Dropped(sim.Time, sim.NodeID, rpc.CallID, string) {}

// CachedReply implements rpc.Observer.
func (l *CallLog) CachedReply(sim.Time, sim.NodeID, rpc.CallID) {}
