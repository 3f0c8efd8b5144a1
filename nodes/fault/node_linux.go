package fault

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// AgentProcess is the name under which `netemu up` supervises a router's
// agent.
const AgentProcess = "agent"

// frrPrefix names the FRR daemons `up` supervises in an FRR lab's
// routers (frr-zebra, frr-ripd, frr-bgpd).
const frrPrefix = "frr-"

// routingOf finds the supervised routing processes of node in the state,
// in start order: netemu's agent (by name, or a process whose command runs
// `netemu agent`), or FRR's daemons. The route watcher of an FRR router is
// not one of them: it keeps writing the timeline of the crash.
func routingOf(st *nodes.State, node string) []nodes.ProcessState {
	var out []nodes.ProcessState
	for _, p := range st.Processes {
		if p.Node == node && (p.Spec.Name == AgentProcess || strings.HasPrefix(p.Spec.Name, frrPrefix)) {
			out = append(out, p)
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, p := range st.Processes {
		if p.Node == node && slices.Contains(p.Spec.Command, "agent") {
			return []nodes.ProcessState{p}
		}
	}
	return nil
}

// NodeStop crashes router node's routing processes (netemu's agent, or
// FRR's daemons): each supervisor and then the process itself get SIGKILL,
// so nothing restarts them and they say goodbye to no one (the kernel
// still closes their sockets, as on a real crash of the routing process).
// The kernel table stays as they left it.
func (in *Injector) NodeStop(st *nodes.State, node string) error {
	n, err := st.Node(node)
	if err != nil {
		return err
	}
	if n.Kind != topo.KindRouter {
		return fmt.Errorf("%s is not a router (its kind is %s): only routers run an agent", node, n.Kind)
	}
	procs := routingOf(st, node)
	if len(procs) == 0 {
		return fmt.Errorf("node %q runs no routing agent or daemons (is the lab's daemons setting \"none\", or is it stopped already?)", node)
	}
	began := in.now()
	var specs []nodes.ProcessSpec
	for _, p := range procs {
		if err := in.kill(st, node, p); err != nil {
			return err
		}
		specs = append(specs, p.Spec)
	}
	in.log().Info("routing crashed on purpose", "node", node, "processes", len(specs))
	return Update(in.StateDir, func(f *File) error {
		f.applyWith(Record{Time: began, Kind: KindNodeStop, Node: node}, specs)
		return nil
	})
}

// kill ends one supervised process of node for good: the supervisor first
// (so it does not restart it), then the process group it started.
func (in *Injector) kill(st *nodes.State, node string, p nodes.ProcessState) error {
	name := p.Spec.Name
	if pid := p.PID; pid > 0 && ourSupervisor(pid, st.Dir) {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("node %q: kill %s's supervisor %d: %w", node, name, pid, err)
		}
	}
	status := filepath.Join(labpath.NodeDir(st.Dir, node), name+".status")
	if s, err := readStatus(status); err == nil && s.PID > 0 && inNetns(s.PID, labpath.NetnsPath(st.Lab, node)) {
		// The supervisor starts the process in its own process group.
		if err := syscall.Kill(-s.PID, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("node %q: kill %s %d: %w", node, name, s.PID, err)
		}
		if !waitGone(s.PID, 3*time.Second) {
			return fmt.Errorf("node %q: %s %d survived SIGKILL", node, name, s.PID)
		}
	}
	// Both are gone or going: StopProcess now only drops the record.
	if err := nodes.StopProcess(st, node, name); err != nil {
		in.log().Warn("forget stopped process", "node", node, "process", name, "error", err)
	}
	return nil
}

// NodeStart starts router node's routing processes again, as they ran
// before NodeStop.
func (in *Injector) NodeStart(st *nodes.State, node string) error {
	if _, err := st.Node(node); err != nil {
		return err
	}
	for _, p := range routingOf(st, node) {
		if ourSupervisor(p.PID, st.Dir) {
			return fmt.Errorf("node %q: %s is running (supervisor pid %d)", node, p.Spec.Name, p.PID)
		}
	}
	f, err := Load(in.StateDir)
	if err != nil {
		return err
	}
	specs := f.StoppedSpecs(node)
	if len(specs) == 0 {
		return fmt.Errorf("node %q: no stopped agent recorded (use `netemu node stop %s` first)", node, node)
	}
	began := in.now()
	for _, spec := range specs {
		// A crashed zebra leaves its socket behind; ripd and bgpd started
		// before the new zebra listens never learn the connected routes.
		sock := ""
		if spec.Name == frrPrefix+"zebra" {
			sock = argAfter(spec.Command, "-z")
			if sock != "" {
				os.Remove(sock)
			}
		}
		if _, err := nodes.StartProcess(st, node, spec); err != nil {
			return fmt.Errorf("node %q: start %s: %w", node, spec.Name, err)
		}
		if sock != "" && !waitFile(sock, 15*time.Second) {
			return fmt.Errorf("node %q: zebra did not open %s within 15s (see `netemu logs %s %s`)", node, sock, node, spec.Name)
		}
	}
	in.log().Info("routing restarted", "node", node)
	return in.record(Record{Time: began, Kind: KindNodeStart, Node: node})
}

// supervised is the part of a supervisor's status file we need.
type supervised struct {
	PID int `json:"pid"`
}

func readStatus(path string) (*supervised, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s supervised
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return &s, nil
}

// ourSupervisor checks that pid is still a `netemu supervise` of this lab
// share, so a recycled pid is never killed.
func ourSupervisor(pid int, stateDir string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	return slices.Contains(args, "supervise") && strings.Contains(string(b), stateDir)
}

// inNetns says whether pid runs in the network namespace mounted at path.
func inNetns(pid int, path string) bool {
	var a, b syscall.Stat_t
	if syscall.Stat(path, &a) != nil || syscall.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &b) != nil {
		return false
	}
	return a.Ino == b.Ino && a.Dev == b.Dev
}

// waitGone polls until pid has exited or d passes.
func waitGone(pid int, d time.Duration) bool {
	return pollUntil(d, func() bool { return syscall.Kill(pid, 0) != nil })
}

// pollUntil checks done every 20 ms until it holds or d passes.
func pollUntil(d time.Duration, done func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if done() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// argAfter returns the argument after flag in argv, or "".
func argAfter(argv []string, flag string) string {
	for i, a := range argv[:max(len(argv)-1, 0)] {
		if a == flag {
			return argv[i+1]
		}
	}
	return ""
}

// waitFile polls until path exists or d passes.
func waitFile(path string, d time.Duration) bool {
	return pollUntil(d, func() bool { _, err := os.Stat(path); return err == nil })
}
