package rpc

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/sim"
)

// Record marking (RFC 5531 §11). Over a byte-stream transport an RPC
// message is a record, sent as one or more fragments, each preceded by a
// four-byte header: the high bit says whether it is the record's last
// fragment, the other 31 bits are its length.

// lastFragment is the header bit of a record's last fragment.
const lastFragment = 1 << 31

// MaxRecord bounds the size of a record a RecordStream reassembles, so that
// a peer cannot make a receiver hold an unbounded message: 1 MiB, far
// above the largest message of any program here.
const MaxRecord = 1 << 20

// ErrRecord means a stream's bytes are not well-formed records: a record
// longer than MaxRecord.
var ErrRecord = errors.New("rpc: bad record marking")

// AppendRecord appends rec to b as one record, in fragments of at most
// maxFrag bytes (0: one fragment however long; 2^31-1 at most).
func AppendRecord(b, rec []byte, maxFrag int) []byte {
	if maxFrag <= 0 || maxFrag > 1<<31-1 {
		maxFrag = 1<<31 - 1
	}
	for {
		n := min(len(rec), maxFrag)
		hdr := uint32(n)
		if n == len(rec) {
			hdr |= lastFragment
		}
		b = binary.BigEndian.AppendUint32(b, hdr)
		b = append(b, rec[:n]...)
		rec = rec[n:]
		if len(rec) == 0 {
			return b
		}
	}
}

// RecordReader reassembles records from the bytes of one stream, which may
// arrive in pieces of any size.
type RecordReader struct {
	buf  []byte // bytes received and not yet consumed
	frag []byte // the fragments of the current record so far
}

// Push adds the next bytes of the stream and returns the records they
// complete, in order. After an error the reader has dropped everything
// buffered and starts afresh.
func (r *RecordReader) Push(b []byte) ([][]byte, error) {
	r.buf = append(r.buf, b...)
	var out [][]byte
	for len(r.buf) >= 4 {
		hdr := binary.BigEndian.Uint32(r.buf)
		n := int(hdr &^ lastFragment)
		if len(r.frag)+n > MaxRecord {
			r.buf, r.frag = nil, nil
			return out, fmt.Errorf("%w: a record of more than %d bytes", ErrRecord, MaxRecord)
		}
		if len(r.buf) < 4+n {
			break
		}
		r.frag = append(r.frag, r.buf[4:4+n]...)
		r.buf = r.buf[4+n:]
		if hdr&lastFragment != 0 {
			out = append(out, r.frag)
			r.frag = nil
		}
	}
	if len(r.buf) == 0 {
		r.buf = nil
	}
	return out, nil
}

// Buffered returns how many bytes the reader holds that are not yet part of
// a complete record.
func (r *RecordReader) Buffered() int { return len(r.buf) + len(r.frag) }

// RecordStream runs RPC over a stream transport (the reliable transport,
// like TCP for real RPC): it is the handler the transport delivers to, and
// it gives the RPC layer above an env whose Send marks each message as a
// record. What arrives from each peer is one stream, cut into records
// whatever the transport's message boundaries.
type RecordStream struct {
	env     sim.Env
	upper   sim.Handler
	readers map[sim.NodeID]*RecordReader // looked up only, never iterated
	// maxFrag, when not 0, cuts every record sent into fragments of at
	// most that many bytes (tests use it; senders here send one fragment).
	maxFrag int
}

// NewRecordStream builds the record layer on env, the transport's env, and
// the RPC layer above it with upper.
func NewRecordStream(env sim.Env, upper sim.Factory) *RecordStream {
	s := &RecordStream{env: env, readers: map[sim.NodeID]*RecordReader{}}
	s.upper = upper(&recordEnv{Env: env, s: s})
	return s
}

// Upper returns the handler above the record layer.
func (s *RecordStream) Upper() sim.Handler { return s.upper }

// Receive adds msg to the stream from peer and hands each record it
// completes to the layer above. Bytes that are not records are dropped,
// with what the peer had buffered, and noted.
func (s *RecordStream) Receive(from sim.NodeID, msg []byte) {
	r := s.readers[from]
	if r == nil {
		r = &RecordReader{}
		s.readers[from] = r
	}
	recs, err := r.Push(msg)
	for _, rec := range recs {
		s.upper.Receive(from, rec)
	}
	if err != nil {
		s.env.Trace("rpc", fmt.Sprintf("from %s: %v", s.env.NodeName(from), err))
	}
}

// Timer passes a timer of the layer above through.
func (s *RecordStream) Timer(tag uint64) { s.upper.Timer(tag) }

// recordEnv is the env of the layer above a RecordStream.
type recordEnv struct {
	sim.Env
	s *RecordStream
}

// TagBits passes on the budget of the env below: a RecordStream's tags are
// its upper layer's.
func (e *recordEnv) TagBits() int { return stack.Bits(e.Env) }

func (e *recordEnv) Send(to sim.NodeID, msg []byte, label string) {
	e.Env.Send(to, AppendRecord(make([]byte, 0, 4+len(msg)), msg, e.s.maxFrag), label)
}
