package rpc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// The demo service: four procedures, two of them not idempotent, which is
// the point. increment and append change the state each time they run, so
// a call executed twice (at-least-once, or at-most-once across a server
// crash) leaves a visible trace: a counter one too high, an entry twice in
// the log. read and sleep are idempotent.
//
// The state is durable: each change is written to the server's disk before
// the reply goes out (NFSv2's rule, RFC 1094 §2.2), under DemoDiskKey. A
// crash therefore keeps the counter and the log but loses the
// duplicate-request cache, which is exactly the combination that lets a
// retransmitted append run twice.

// The demo's procedure names, as scenario call rows name them.
const (
	ProcIncrement = "increment" // void -> IncrementRes; not idempotent
	ProcAppend    = "append"    // AppendArgs -> AppendRes; not idempotent
	ProcRead      = "read"      // void -> DemoState
	ProcSleep     = "sleep"     // SleepArgs -> void; replies after the duration
)

// DemoProcs are the demo's procedures, in the order of the lecture's
// examples: the two that are not idempotent first.
var DemoProcs = []string{ProcIncrement, ProcAppend, ProcRead, ProcSleep}

// The demo service is a program of its own (RFC 5531 §7.1), numbered in the
// range left to users, version 1:
//
//	program DEMO_PROG {
//	    version DEMO_VERS {
//	        void        DEMO_NULL(void)             = 0;
//	        demo_res    DEMO_INCREMENT(void)         = 1;
//	        demo_res    DEMO_APPEND(string data<>)   = 2;
//	        demo_res    DEMO_READ(void)              = 3;
//	        demo_res    DEMO_SLEEP(string duration<>) = 4;
//	    } = 1;
//	} = 0x20001984;
//
// where demo_res is the error's name ("" on success, "EINVAL" for a sleep
// that is not a duration) followed, on success, by the result: an unsigned
// hyper counter (INCREMENT), an unsigned int length (APPEND), the state
// (READ: unsigned hyper counter, then string log<>), nothing (SLEEP).
const (
	DemoProgram = 0x20001984
	DemoVersion = 1
)

// The demo program's procedures.
var (
	DemoNull      = demoProcedure(0, "null", true)
	DemoIncrement = demoProcedure(1, ProcIncrement, false)
	DemoAppend    = demoProcedure(2, ProcAppend, false)
	DemoRead      = demoProcedure(3, ProcRead, true)
	DemoSleep     = demoProcedure(4, ProcSleep, true)
)

func demoProcedure(num uint32, name string, idempotent bool) Proc {
	return Proc{Prog: DemoProgram, Vers: DemoVersion, Num: num, Name: name, Idempotent: idempotent, ErrorNames: true}
}

// DemoProc returns the demo procedure a scenario names ("append").
func DemoProc(name string) (Proc, bool) {
	for _, p := range []Proc{DemoIncrement, DemoAppend, DemoRead, DemoSleep} {
		if p.Name == name {
			return p, true
		}
	}
	return Proc{}, false
}

// DemoDiskKey is the disk key of the demo's state (an XDR DemoState).
const DemoDiskKey = "demo/state"

// AppendArgs are the arguments of append.
type AppendArgs struct {
	Data string
}

// AppendRes is the result of append: the log's length after it.
type AppendRes struct {
	Len uint32
}

// IncrementRes is the result of increment: the counter's new value.
type IncrementRes struct {
	Value uint64
}

// SleepArgs are the arguments of sleep: a Go duration string ("2s").
type SleepArgs struct {
	Duration string
}

// DemoState is the demo service's whole state, the result of read.
type DemoState struct {
	Counter uint64
	Log     []string
}

// Demo is the server side of the demo service on one server.
type Demo struct {
	st DemoState
	// runs counts, per procedure, the calls this life of the service has
	// executed: volatile, like the server's memory.
	runs map[string]int
}

// RegisterDemo registers the demo procedures on s, with the state found on
// the server's disk (empty at the first start), and returns the service so
// that a test or the scenario runner can look at its state.
func RegisterDemo(s *Server) *Demo {
	d := &Demo{runs: map[string]int{}}
	if b, ok := s.Env().Disk().Get(DemoDiskKey); ok {
		if err := xdr.Unmarshal(b, &d.st); err != nil {
			// Only this package writes the key; a bad value is a bug.
			panic("rpc: demo state on disk: " + err.Error())
		}
	}
	s.Register(DemoNull, func(c *Call) { c.Reply(nil, nil) })
	s.Register(DemoIncrement, d.increment)
	s.Register(DemoAppend, d.append)
	s.Register(DemoRead, d.read)
	s.Register(DemoSleep, d.sleep)
	return d
}

// State returns a copy of the service's in-memory state, which may be ahead
// of the disk by the writes not yet durable.
func (d *Demo) State() DemoState {
	return DemoState{Counter: d.st.Counter, Log: append([]string(nil), d.st.Log...)}
}

// ReadDemoDisk returns the demo state durable on a disk: what survives a
// crash, and what the scenario results report.
func ReadDemoDisk(disk *sim.Disk) (DemoState, error) {
	var st DemoState
	b, ok := disk.Get(DemoDiskKey)
	if !ok {
		return st, nil
	}
	err := xdr.Unmarshal(b, &st)
	return st, err
}

// ran counts an execution of c's procedure and shows the count as the
// server's state "executed PROC": the number the lost-ACK slides turn on,
// since a retried increment that the server runs twice shows here as one
// more run than the client made calls.
func (d *Demo) ran(c *Call) {
	d.runs[c.Proc.Name]++
	sim.TraceState(c.Env(), "executed "+Label(KindCall, c.Proc.Name), strconv.Itoa(d.runs[c.Proc.Name]))
}

// persist writes the state and replies once it is durable, and shows the
// part that changed (key "counter" or "log") as it reaches the disk.
func (d *Demo) persist(c *Call, res any, key, value string) {
	state, err := xdr.Marshal(&d.st)
	if err != nil {
		panic("rpc: demo state: " + err.Error())
	}
	out, err := xdr.Marshal(res)
	if err != nil {
		panic("rpc: demo result: " + err.Error())
	}
	c.WriteDisk(DemoDiskKey, state, func() {
		sim.TraceDurable(c.Env(), key, value)
		c.Reply(out, nil)
	})
}

func (d *Demo) increment(c *Call) {
	if len(c.Args) != 0 {
		c.Reply(nil, ErrGarbageArgs)
		return
	}
	d.ran(c)
	d.st.Counter++
	d.persist(c, IncrementRes{Value: d.st.Counter}, "counter", strconv.FormatUint(d.st.Counter, 10))
}

func (d *Demo) append(c *Call) {
	var a AppendArgs
	if err := xdr.Unmarshal(c.Args, &a); err != nil {
		c.Reply(nil, ErrGarbageArgs)
		return
	}
	d.ran(c)
	d.st.Log = append(d.st.Log, a.Data)
	d.persist(c, AppendRes{Len: uint32(len(d.st.Log))}, "log", sim.Cells(d.st.Log))
}

func (d *Demo) read(c *Call) {
	if len(c.Args) != 0 {
		c.Reply(nil, ErrGarbageArgs)
		return
	}
	d.ran(c)
	out, err := xdr.Marshal(&d.st)
	if err != nil {
		panic("rpc: demo state: " + err.Error())
	}
	c.Reply(out, nil)
}

func (d *Demo) sleep(c *Call) {
	var a SleepArgs
	if err := xdr.Unmarshal(c.Args, &a); err != nil {
		c.Reply(nil, ErrGarbageArgs)
		return
	}
	dur, err := time.ParseDuration(a.Duration)
	if err != nil || dur < 0 {
		c.Reply(nil, ErrInval)
		return
	}
	d.ran(c)
	c.After(dur, func() { c.Reply(nil, nil) })
}

// maxSleep bounds sleep's duration: far past any run's max_time, and far
// enough from the largest time.Duration that a server's clock plus it
// cannot overflow.
const maxSleep = 1_000_000 * time.Hour

// DemoArgs marshals a scenario row's args text for a demo procedure:
// append's data, sleep's duration (a Go duration string, or a bare number
// of seconds like every scenario duration); increment and read take none.
func DemoArgs(proc, text string) ([]byte, error) {
	switch proc {
	case ProcIncrement, ProcRead:
		if text != "" {
			return nil, fmt.Errorf("rpc: %s takes no args", proc)
		}
		return nil, nil
	case ProcAppend:
		return xdr.Marshal(AppendArgs{Data: text})
	case ProcSleep:
		d, err := time.ParseDuration(text)
		if f, ferr := strconv.ParseFloat(text, 64); ferr == nil {
			// A bare number of seconds. The negated test also refuses
			// NaN; the bound keeps the conversion from overflowing into
			// a negative duration.
			err = nil
			if !(f >= 0 && f <= maxSleep.Seconds()) {
				err = errors.New("out of range")
			}
			d = time.Duration(f * float64(time.Second))
		}
		if err != nil || d < 0 || d > maxSleep {
			return nil, fmt.Errorf("rpc: sleep wants a duration from 0 to %dh, such as 2s or 0.5, not %q", int64(maxSleep/time.Hour), text)
		}
		return xdr.Marshal(SleepArgs{Duration: d.String()})
	}
	return nil, fmt.Errorf("rpc: %q is not a demo procedure (want increment, append, read or sleep)", proc)
}

// DemoValue formats a demo procedure's marshaled result as the scenario
// results print a step's value: increment's new counter and append's new
// length as numbers, read's state as "counter=N log=[a b]", sleep's as "".
func DemoValue(proc string, result []byte) (string, error) {
	switch proc {
	case ProcIncrement:
		var r IncrementRes
		err := xdr.Unmarshal(result, &r)
		return strconv.FormatUint(r.Value, 10), err
	case ProcAppend:
		var r AppendRes
		err := xdr.Unmarshal(result, &r)
		return strconv.FormatUint(uint64(r.Len), 10), err
	case ProcRead:
		var r DemoState
		err := xdr.Unmarshal(result, &r)
		return r.String(), err
	case ProcSleep:
		if len(result) != 0 {
			return "", errors.New("rpc: sleep returned a value")
		}
		return "", nil
	}
	return "", fmt.Errorf("rpc: %q is not a demo procedure", proc)
}

// String formats the state as "counter=N log=[a b]".
func (st DemoState) String() string {
	return fmt.Sprintf("counter=%d log=[%s]", st.Counter, strings.Join(st.Log, " "))
}

// DemoClient is the client stub of the demo service: it makes a remote
// procedure look like a local one with a typed signature. Each method
// marshals its arguments with xdr.Marshal, calls, and unmarshals the result
// before handing it to done. The stubs are written by hand, one per
// procedure; rpcgen would generate the same from an interface definition.
type DemoClient struct {
	C *Client
}

// Increment adds one to the server's counter and returns the new value.
func (d DemoClient) Increment(server sim.NodeID, done func(v uint64, err error)) CallID {
	return d.C.Call(server, DemoIncrement, nil, func(b []byte, err error) {
		var r IncrementRes
		if err == nil {
			err = unmarshalResult(b, &r)
		}
		done(r.Value, err)
	})
}

// Append appends data to the server's log and returns the log's new length.
func (d DemoClient) Append(server sim.NodeID, data string, done func(n int, err error)) CallID {
	args, err := xdr.Marshal(AppendArgs{Data: data})
	if err != nil {
		panic("rpc: AppendArgs: " + err.Error()) // a string always marshals
	}
	return d.C.Call(server, DemoAppend, args, func(b []byte, err error) {
		var r AppendRes
		if err == nil {
			err = unmarshalResult(b, &r)
		}
		done(int(r.Len), err)
	})
}

// Read returns the server's counter and log.
func (d DemoClient) Read(server sim.NodeID, done func(st DemoState, err error)) CallID {
	return d.C.Call(server, DemoRead, nil, func(b []byte, err error) {
		var r DemoState
		if err == nil {
			err = unmarshalResult(b, &r)
		}
		done(r, err)
	})
}

// Sleep makes the server take dur before replying: the long call.
func (d DemoClient) Sleep(server sim.NodeID, dur time.Duration, done func(err error)) CallID {
	args, err := xdr.Marshal(SleepArgs{Duration: dur.String()})
	if err != nil {
		panic("rpc: SleepArgs: " + err.Error())
	}
	return d.C.Call(server, DemoSleep, args, func(b []byte, err error) { done(err) })
}

// unmarshalResult decodes a result, reporting a bad one as EGARBAGERESULT.
func unmarshalResult(b []byte, v any) error {
	if err := xdr.Unmarshal(b, v); err != nil {
		return ErrGarbageResult
	}
	return nil
}
