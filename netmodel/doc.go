// Package netmodel models the links between simulated nodes: delay
// distributions, bandwidth, loss, duplication, reordering, corruption,
// per-direction overrides and partitions. It implements sim.Network twice:
// Network is the unreliable network of the lecture's "Raw messages: UDP"
// slide, and Pipe is the reliable channel the lecture contrasts it with.
//
// # What the lecture says
//
// The motivation slide asks "Why are network sockets less reliable than
// pipes?". A pipe joins two processes on one machine through a kernel
// buffer: nothing between them can lose, reorder, duplicate or damage a
// byte, so Pipe delivers every message once, in order, intact. A network
// socket sends through links and routers that fail independently of the two
// ends (the lecture's "communication failure: links unreliable": bit errors,
// packet loss, node/link failure), and UDP adds almost nothing on top:
//
//   - messages may be lost
//   - messages may be reordered
//   - messages may be duplicated
//   - only protection: checksums to ensure data not corrupted
//
// Network produces exactly these four faults, plus partitions (the
// "node/link failure" case): a partition drops every message between the
// two sides, in one or both directions, until it heals.
//
// # Corruption and checksums
//
// A corrupted copy differs from the original in exactly one bit. One flipped
// bit changes one 16-bit word of the RFC 1071 Internet checksum by ±2^k
// (k < 16), which is never 0 modulo 0xFFFF, so the one's-complement sum
// always catches it; every CRC catches every single-bit error as well. The
// model therefore never hands a protocol an error its checksum cannot see:
// what the lecture calls "only protection" is always enough here. (One
// caveat belongs to the UDP layer, not to this package: IPv4 UDP reads a
// checksum field of 0 as "no checksum", and a single flip can turn a field
// of 0x0001, 0x0002, ... 0x8000 into 0.)
//
// # Bandwidth and queues
//
// With a bandwidth, each direction of a link is a FIFO transmit queue: a
// datagram waits for those before it, then takes its size over the
// bandwidth to send. A queue limit (Params.Queue in datagrams,
// Params.QueueBytes in bytes) makes it finite: a datagram that finds the
// queue full is dropped at the tail, as a router's buffer drops when it is
// full. That is the lecture's "messages may have been dropped due to
// overloaded server": a bottleneck link drops what it cannot hold, and
// senders that resend without backing off only fill it again ("resending
// makes overload worse").
//
// # Randomness
//
// Every directed link has its own random stream (LinkStream): SplitMix64
// seeded with a key mixed from the run's seed and the hashes of the scenario
// names of the two nodes. The network keeps only a count of datagrams per
// link (one byte, and four more for a link that carries over 254, so that
// a thousand-node network's million links stay in cache) and rebuilds the
// stream's position from it. Each datagram consumes exactly eight numbers
// from its link's stream, in this order, whatever the probabilities, the
// delay distribution or the datagram's fate (SplitMix64 computes any of
// its numbers directly, so the network computes only those a fate reads):
//
//  1. loss
//  2. duplicate
//  3. corrupt
//  4. reorder
//  5. which bit a corruption flips
//  6. how much extra delay a reordering adds
//  7. the propagation delay of the first copy
//  8. the propagation delay of the duplicate
//
// So the k-th datagram on a link meets the same dice whether or not other
// nodes and links exist, whether earlier datagrams were lost or partitioned,
// and whatever another probability is set to: changing the duplicate
// probability does not change which datagrams are lost. A datagram dropped
// by a full queue takes its eight numbers too.
package netmodel
