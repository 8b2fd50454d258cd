// Package udp implements the lecture's raw messages: UDP, the User Datagram
// Protocol (slides "Communication Overview" and "Raw Messages: UDP").
//
// The lecture lists what UDP provides, which is very little:
//
//   - messages may be lost,
//   - messages may be reordered,
//   - messages may be duplicated,
//   - the only protection is a checksum, to make sure data is not corrupted;
//
// and messages are sent from port to port to reach a process on a machine.
// Its advantages are that it is lightweight and that some applications
// (video conferencing) make better reliability decisions themselves; its
// disadvantage is that applications are harder to write correctly. This
// package is exactly that: it adds ports and a checksum and nothing else.
// Loss, reordering and duplication pass straight through to the
// application; package reliable builds the lecture's "reliable messages" on
// top of it.
//
// # Wire format
//
// A datagram is the 8-byte header of RFC 768 followed by the payload, all
// big-endian:
//
//	0       2       4       6       8
//	+-------+-------+-------+-------+---------
//	|SrcPort|DstPort|Length |Checksum| payload
//	+-------+-------+-------+-------+---------
//
// Length counts header and payload. Checksum is the Internet checksum of
// RFC 1071 over RFC 768's pseudo-header (source and destination IPv4
// addresses, protocol 17, length), the header and the payload; a computed 0
// travels as 0xFFFF. The simulator has no IP layer, but every node has an
// address (NodeAddr: 10.0.0.1 for the first), so the checksum is the one a
// real sender computes and a packet capture of the datagram verifies. See
// Marshal and Unmarshal.
//
// # Layering
//
// Host is the node's sim.Handler. Bind gives a service a port and a
// sim.Env of its own whose Send builds the datagram and whose timers and
// disk writes are tagged with the port, so that the layer above is written
// against sim.Env exactly as if it owned the node: the pattern every layer
// of the simulator follows. A datagram that fails the checksum is dropped,
// counted in Stats and noted in the trace ("checksum error from A"); to the
// application it is simply lost, which is all a checksum can promise.
package udp
