// Package converge answers "has the lab's routing settled, and how did it
// get there": the convergence check behind `netemu wait` and `netemu up`,
// the timeline merged from every agent's events behind `netemu events`, and
// the hop-by-hop walk through the kernel tables behind `netemu trace`.
//
// The logic is pure and works on snapshots and interfaces; the _linux.go
// files read the kernel and the agents' control sockets.
package converge
