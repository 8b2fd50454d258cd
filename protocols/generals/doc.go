// Package generals is the lecture's attempt to agree over a lossy network
// (slides "Proposed Solution" and "Aside: Two Generals' Problem"): two
// generals must both attack at dawn or neither, and every messenger
// between them may be lost.
//
// General A sends the plan ("attack at dawn") to general B; each messenger
// that arrives is answered by the next one the other way (the ACK, the
// AckAck, ...) until the N messengers the generals agreed on have been
// sent. A lost messenger is not replaced: nobody can know it was lost, and
// replacing it needs a confirmation, which is one more messenger.
//
// At dawn (Attacks) a general attacks if every messenger addressed to it
// arrived, and holds back otherwise. So if all N arrive both attack; if
// the last one is lost its sender attacks and its receiver holds back, and
// the generals disagree; if an earlier one is lost the chain stops and
// both hold back. The sender of the last messenger sees the same thing
// whether it arrived or not, which is the lecture's question: did the N-th
// message change the decision? No N is enough.
//
// A General is a state machine over a sim.Env (in sim, a UDP port, so that
// a corrupted messenger is rejected by the checksum and lost). All its
// state is volatile: a general whose node crashes forgets what reached it
// and cannot decide.
package generals
