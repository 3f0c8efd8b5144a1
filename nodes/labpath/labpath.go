// Package labpath says where a lab lives on a machine: the run directory,
// each share's state directory and its files, each node's directory, and
// the names and paths of the nodes' namespaces. It is a leaf: it imports
// only the standard library, so every package that needs a path (nodes,
// fw, routing, the CLI, tests and benchmarks) asks here instead of
// spelling "ne."+lab+"."+node itself.
package labpath

import (
	"os"
	"path/filepath"
	"strings"
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

// ShareName is how a share is named on disk and to users: LAB or
// LAB@MACHINE. Lab and machine names cannot contain '@', so the two shares
// of one lab on one box never collide.
func ShareName(lab, machine string) string {
	if machine == "" {
		return lab
	}
	return lab + "@" + machine
}

// SplitShareName is the inverse of ShareName.
func SplitShareName(s string) (lab, machine string) {
	lab, machine, _ = strings.Cut(s, "@")
	return lab, machine
}

// StateDir is the directory of one lab's share on one machine. machine is
// "" for a single-machine lab.
func StateDir(lab, machine string) string {
	return filepath.Join(RunDir(), ShareName(lab, machine))
}

// StatePath is the state file of a share.
func StatePath(stateDir string) string { return filepath.Join(stateDir, "state.json") }

// LockPath is the lock file of a share. It sits beside the state
// directory, not in it, so it outlives the directory's removal by `down`.
func LockPath(lab, machine string) string {
	return filepath.Join(RunDir(), ShareName(lab, machine)+".lock")
}

// NodeDir is a node's own directory inside a state directory: logs, pid
// files, the agent's config and control socket, service data.
func NodeDir(stateDir, node string) string {
	return filepath.Join(stateDir, "nodes", node)
}

// NsDir holds a share's persistent UTS and mount namespace files; it is a
// private bind mount of itself so mount namespace files can live there.
func NsDir(stateDir string) string { return filepath.Join(stateDir, "ns") }

// UTSPath is where a node's UTS namespace (its hostname) is bind-mounted.
func UTSPath(stateDir, node string) string {
	return filepath.Join(NsDir(stateDir), node+".uts")
}

// MntPath is where an instance's or host's mount namespace is bind-mounted
// (routers and the VPC's nodes share the host's mount namespace).
func MntPath(stateDir, node string) string {
	return filepath.Join(NsDir(stateDir), node+".mnt")
}

// NetnsDir is where `ip netns` and netemu bind-mount named network
// namespaces.
const NetnsDir = "/run/netns"

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
	return filepath.Join(NetnsDir, NetnsName(lab, node))
}

// NetnsGlob matches the paths of every network namespace of lab ("" for
// every lab netemu made). Node names hold no '.', so "ne.LAB." never
// matches another lab whose name starts with LAB; glob metacharacters in
// lab are escaped.
func NetnsGlob(lab string) string {
	if lab == "" {
		return filepath.Join(NetnsDir, NetnsPrefix+"*")
	}
	return filepath.Join(NetnsDir, globQuote(NetnsPrefix+lab+".")+"*")
}

// SplitNetnsName is the inverse of NetnsName: ok is false for a name netemu
// did not make.
func SplitNetnsName(name string) (lab, node string, ok bool) {
	rest, ok := strings.CutPrefix(name, NetnsPrefix)
	if !ok {
		return "", "", false
	}
	lab, node, ok = strings.Cut(rest, ".")
	if !ok || lab == "" || node == "" {
		return "", "", false
	}
	return lab, node, true
}

func globQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
