// Package nodes turns a validated topo.Lab into kernel objects and
// processes: network namespaces, veth/VXLAN links, addresses, routes,
// sysctls, supervised programs inside nodes, and the lab's state on disk. It
// also tears all of that down, from the state or, after a crash, by name.
//
// This file is the package's contract with cmd/netemu, fw and routing; the
// bodies live in the _linux.go files.
package nodes

import (
	"os"
	"path/filepath"
	"time"

	"github.com/netemu/netemu/topo"
)

// DefaultRunDir holds every lab's state; NETEMU_RUN_DIR overrides it.
const DefaultRunDir = "/run/netemu"

// RunDir is the directory holding every lab's state directory.
func RunDir() string {
	if d := os.Getenv("NETEMU_RUN_DIR"); d != "" {
		return d
	}
	return DefaultRunDir
}

// StateDir is the directory of one lab's share on one machine. machine is
// "" for a single-machine lab. Lab and machine names cannot contain '@', so
// the two shares of one lab on one box never collide.
func StateDir(lab, machine string) string {
	if machine == "" {
		return filepath.Join(RunDir(), lab)
	}
	return filepath.Join(RunDir(), lab+"@"+machine)
}

// NodeDir is a node's own directory inside a state directory: logs, pid
// files, the agent's config and control socket, service data.
func NodeDir(stateDir, node string) string {
	return filepath.Join(stateDir, "nodes", node)
}

// NetnsPrefix starts the name of every network namespace netemu creates.
const NetnsPrefix = "ne."

// NetnsName is the name of a node's network namespace (as `ip netns list`
// shows it). Names in the language cannot contain '.', so lab and node are
// unambiguous.
func NetnsName(lab, node string) string {
	return NetnsPrefix + lab + "." + node
}

// NetnsPath is where a node's network namespace is bind-mounted.
func NetnsPath(lab, node string) string {
	return filepath.Join("/run/netns", NetnsName(lab, node))
}

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

// State is a lab share's record on disk (StateDir/state.json).
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
}
