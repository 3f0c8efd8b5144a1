// Package bgp is netemu's BGP-4 speaker: the session FSM, the RIBs with
// best-path selection, policy, and the daemon that runs inside a router's
// namespace. The message format is routing/bgp/wire.
//
// The FSM and the decision process are pure Go; only the daemon's kernel
// parts live in _linux.go files.
package bgp
