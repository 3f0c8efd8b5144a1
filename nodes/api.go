// Package nodes turns a validated topo.Lab into kernel objects and
// processes: network namespaces, veth/VXLAN links, addresses, routes,
// sysctls, supervised programs inside nodes, and the lab's state on disk. It
// also tears all of that down, from the state or, after a crash, by name.
//
// This file is the package's contract with cmd/netemu, fw and routing; the
// bodies live in the _linux.go files.
package nodes

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/topo"
)

// ProcessSpec is a program netemu runs, supervised, inside a node.
type ProcessSpec struct {
	Name    string            `json:"name"`
	Command []string          `json:"command"`
	User    string            `json:"user,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	Dir     string            `json:"dir,omitempty"`
	// Restart restarts the program with back-off when it exits.
	Restart bool `json:"restart"`
}

// ProcessState is what state.json records of a started process.
type ProcessState struct {
	Node    string      `json:"node"`
	Spec    ProcessSpec `json:"spec"`
	PID     int         `json:"pid"` // the supervisor's pid
	Started time.Time   `json:"started"`
	LogFile string      `json:"log_file"`
}

// State is a lab share's record on disk (labpath.StateDir/state.json).
//
// Methods of this package that change a State (StartProcess, StopProcess …)
// lock it and save it; callers only read its fields.
type State struct {
	Lab     string    `json:"lab"`
	Machine string    `json:"machine,omitempty"`
	Dir     string    `json:"dir"`
	Created time.Time `json:"created"`
	// Model is the validated lab the share was built from.
	Model *topo.Lab `json:"model"`
	// Nodes lists the nodes this share built (its machine's share).
	Nodes     []string       `json:"nodes"`
	Processes []ProcessState `json:"processes,omitempty"`
	// Phase is "building" while Build runs and "up" once it returned;
	// a share stuck in "building" was interrupted and only `down` fixes it.
	Phase string `json:"phase"`
	// Supervisor is the netemu binary that runs `netemu supervise` for
	// StartProcess (the running binary by default; tests may point it at a
	// freshly built one).
	Supervisor string `json:"supervisor"`

	mu sync.Mutex
}

// Phases of a State.
const (
	PhaseBuilding = "building"
	PhaseUp       = "up"
)

// HasMountNS says whether a node gets its own mount namespace: instances
// do, so services can give them their own /etc/passwd and /home; hosts do,
// so programs a user runs there (ssh writing ~/.ssh/known_hosts, found from
// the account and not from $HOME) write into the lab, never the host's /root.
func HasMountNS(n *topo.Node) bool {
	return n.Kind == topo.KindInstance || n.Kind == topo.KindHost
}

// BuildOptions select and report on the share Build makes.
type BuildOptions struct {
	// Machine is the machine whose share is built ("" when the lab has no
	// machines: everything).
	Machine string
	// Workers bounds the parallel work (default: 4 × CPUs, at most 64).
	Workers int
	Log     hclog.Logger
	// Progress, when set, is called as steps finish (from several
	// goroutines, serialised by Build).
	Progress func(done, total int)
	// CrossLink builds links with one end on another machine (VXLAN,
	// issue 8). When nil such a link fails the build.
	CrossLink CrossLinker
	// Supervisor is recorded in State.Supervisor ("" = os.Executable()).
	Supervisor string
}

// CrossLinker builds the local end of a link whose other end lives on
// another machine. localNetns is the local node's netns path; the
// interface it creates must be named local.Iface and carry local.Addr.
type CrossLinker interface {
	BuildCrossLink(ctx context.Context, lab *topo.Lab, link int, local, remote topo.Endpoint, localNetns string) error
}

// NodeStatus is one node of Status.
type NodeStatus struct {
	Name       string            `json:"name"`
	Kind       topo.NodeKind     `json:"kind"`
	Machine    string            `json:"machine,omitempty"`
	Hostname   string            `json:"hostname"`
	Netns      string            `json:"netns"`
	Interfaces []InterfaceStatus `json:"interfaces"`
	Processes  []ProcessStatus   `json:"processes,omitempty"`
	// Error is set when the node's namespace could not be read.
	Error string `json:"error,omitempty"`
}

// InterfaceStatus is an interface as the kernel has it now.
type InterfaceStatus struct {
	Name  string   `json:"name"`
	Up    bool     `json:"up"`
	Addrs []string `json:"addrs,omitempty"`
	Peer  string   `json:"peer,omitempty"` // "node:iface" from the model
}

// ProcessStatus is a supervised process as its supervisor last reported.
type ProcessStatus struct {
	Name       string    `json:"name"`
	Command    []string  `json:"command"`
	Supervisor int       `json:"supervisor_pid"`
	Running    bool      `json:"running"` // the supervisor is alive
	State      string    `json:"state"`   // starting, running, backoff, exited, stopped, dead
	PID        int       `json:"pid,omitempty"`
	Restarts   int       `json:"restarts"`
	LastExit   string    `json:"last_exit,omitempty"`
	Since      time.Time `json:"since,omitzero"`
	LogFile    string    `json:"log_file"`
}

// LabStatus is one share of a lab as Status reports it.
type LabStatus struct {
	Lab     string       `json:"lab"`
	Machine string       `json:"machine,omitempty"`
	Dir     string       `json:"dir"`
	Phase   string       `json:"phase"`
	Created time.Time    `json:"created"`
	Nodes   []NodeStatus `json:"nodes"`
}
