// Package k8s runs netemu labs on a Kubernetes cluster: the lab's intent
// and its state live in a Lab object (labs.netemu.dev), and an agent on
// every labelled machine (a DaemonSet running `netemu k8s agent`) builds
// and changes its own share with the lab package, as `up --machine` does.
//
// The agents share no coordinator of their own. The first agent to hold a
// lab's Lease fixes the lab's machines (the labelled Nodes, their
// InternalIPs) in the status; every agent then derives the same placement
// from the same file and machine list (topo.Place is deterministic), so
// nobody has to hand out nodes. Every status write happens under that
// Lease, one writer at a time. Intent (stopped instances, links down,
// routers stopped) is in the spec: the CLI changes the object and each
// agent reconciles its share to it, so machines never drift apart. Each
// machine holds a finalizer on the object, so a deleted lab disappears
// only once every machine removed its share.
//
// Client is what cmd/netemu uses (create, change, delete, show a lab;
// install the manifest); Agent is the per-machine reconcile loop;
// Manifest is what `netemu k8s manifest` prints.
package k8s
