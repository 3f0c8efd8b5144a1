// Package lab is a lab's life: the one place that knows in which order a
// lab is built, watched and taken apart. cmd/netemu parses flags, calls
// this package and prints what it returns; nothing here prints.
//
// Building (Up) goes through named stages, in this order:
//
//  1. check — every stage's pre-build check runs first (missing programs,
//     bad combinations, the machine this host is); a failure here has
//     touched nothing.
//  2. build — nodes.Build makes this machine's share: namespaces, links,
//     addresses, routes, VXLAN tunnels to the other machines. It records
//     the share on disk before the first kernel object, so `down` works
//     whenever `up` dies, and removes what it made when it fails.
//  3. tunnels — what each cut link became (VNI, port, MTU); then impair:
//     links' delay, jitter, loss, duplication, reordering, corruption and
//     rate (nodes/impair: netem, or netemu's own path without it).
//  4. firewall — public IPs, internet gateways' NAT, route tables,
//     security groups and network ACLs of the VPCs.
//  5. services — key pairs, instances' own /etc and /home, sshd, the MTA,
//     MariaDB and every `process` block, up and listening.
//  6. routing — netemu's agent in every router (daemons = "netemu").
//  7. peers — every machine this share has tunnels to answers.
//  8. frr — FRR's zebra, ripd and bgpd instead (daemons = "frr").
//  9. converge — routing has converged (Wait).
//
// A stage that fails, or a cancelled context, tears the whole share down
// again (processes, namespaces, files): stages need no undo of their own.
// Up returns what the stages made (UpResult) and reports as it goes
// through UpOptions.Progress; the logger is injected.
//
// Wait is the convergence check on its own (`netemu wait`); ResolveMachine
// and OnMachines are the multi-host side: which machine this host is, and
// running a netemu command on every machine of a lab over ssh.
//
// A running lab is one share per machine (LAB or LAB@MACHINE, a
// nodes.State on disk). Select says which share(s) a command means — its
// argument or --lab, a node the share must run, or a whole lab for ssh and
// --all-machines — with one set of error messages. Lock takes a share's
// lock and reads its state again, as every change to a running lab does
// (SetLink, SetNode, StopInstance, StartInstance; Down locks each share it
// removes). The read side returns values for the CLI to print: Status,
// Events and FollowEvents, Logs and FollowLogs, SecurityGroups, Trace,
// BGP, BGPRoutes and RIP (the agents' views), SSH (the client's command
// line) and PlanCapture.
package lab
