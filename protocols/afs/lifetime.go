package afs

import (
	"time"

	"github.com/sim-lecture/sim/sim"
)

// How long a callback promise lasts, as the OpenAFS file server decides it
// (src/viced/callback.c, where the table is called TimeOuts). A promise on
// a file few clients hold lasts long, since a break costs the server
// little; a widely shared file's promises are short, so that the server's
// table does not fill with promises on one hot file and a change does not
// need hundreds of breaks. The server counts the file's holders when it
// grants the promise, the new holder not included.
var openAFSLifetimes = []struct {
	// below: this lifetime applies while the holders are fewer.
	below    int
	lifetime time.Duration
}{
	{8, 4 * time.Hour},
	{16, time.Hour},
	{24, 30 * time.Minute},
	{40, 15 * time.Minute},
	{64, 10 * time.Minute},
}

// OpenAFSMinLifetime is the shortest promise OpenAFS makes: that of a
// file with 64 holders or more.
const OpenAFSMinLifetime = 7 * time.Minute

// OpenAFSMaxLifetime is the longest promise OpenAFS makes, to a file with
// fewer than 8 holders.
const OpenAFSMaxLifetime = 4 * time.Hour

// ServerBias is how much longer the OpenAFS server honours a promise than
// it tells the client it lasts (3 minutes), so that a client whose clock
// runs a little slow never trusts a promise the server has already
// forgotten.
const ServerBias = 3 * time.Minute

// callbackQuantum is the granularity of OpenAFS's callback expiry times:
// the server files promises in queues of 128 seconds, and rounds each
// promise's end up to the next queue (TimeCeiling).
const callbackQuantum = 128 * time.Second

// OpenAFSLifetime returns how long OpenAFS promises a callback on a file
// on which holders other clients already hold one: 4 hours for 0-7, 1
// hour for 8-15, 30 minutes for 16-23, 15 minutes for 24-39, 10 minutes
// for 40-63 and 7 minutes from 64 on. (OpenAFS counts the asking client
// too when it renews its own promise; the simulator counts the others
// only, so that a renewal is not shortened by its own old promise.)
func OpenAFSLifetime(holders int) time.Duration {
	for _, l := range openAFSLifetimes {
		if holders < l.below {
			return l.lifetime
		}
	}
	return OpenAFSMinLifetime
}

// promiseEnd is when a promise granted now ends: on the server (which
// honours it ServerBias longer under the OpenAFS policy) and as told to
// the client, as a lifetime counted from now. fixed > 0 is a fixed
// lifetime, the same on both sides; otherwise the OpenAFS table applies to
// a file that holders other clients hold promises on.
func promiseEnd(now sim.Time, fixed time.Duration, holders int) (server sim.Time, client time.Duration) {
	if fixed > 0 {
		return now.Add(fixed), fixed
	}
	end := ceilQuantum(now.Add(OpenAFSLifetime(holders) + ServerBias))
	return end, end.Add(-ServerBias).Sub(now)
}

// maxPromise is the longest a promise made now can last on the server:
// what a restarted server must wait for before it can be sure that no
// promise of its previous life is still trusted.
func maxPromise(now sim.Time, fixed time.Duration) sim.Time {
	end, _ := promiseEnd(now, fixed, 0)
	return end
}

// ceilQuantum rounds t up to a multiple of callbackQuantum.
func ceilQuantum(t sim.Time) sim.Time {
	q := sim.Time(callbackQuantum)
	return (t + q - 1) / q * q
}
