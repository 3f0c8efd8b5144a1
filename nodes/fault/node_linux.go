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
	"github.com/netemu/netemu/topo"
)

// AgentProcess is the name under which `netemu up` supervises a router's
// agent.
const AgentProcess = "agent"

// agentOf finds the supervised agent of node in the state: by name, or a
// process whose command runs `netemu agent`.
func agentOf(st *nodes.State, node string) (nodes.ProcessState, bool) {
	for _, p := range st.Processes {
		if p.Node == node && p.Spec.Name == AgentProcess {
			return p, true
		}
	}
	for _, p := range st.Processes {
		if p.Node == node && slices.Contains(p.Spec.Command, "agent") {
			return p, true
		}
	}
	return nodes.ProcessState{}, false
}

// NodeStop crashes router node's agent: its supervisor and then the agent
// itself get SIGKILL, so nothing restarts it and it says goodbye to no
// one (the kernel still closes its sockets, as on a real crash of the
// routing process). The kernel table stays as the agent left it.
func (in *Injector) NodeStop(st *nodes.State, node string) error {
	n, err := st.Node(node)
	if err != nil {
		return err
	}
	if n.Kind != topo.KindRouter {
		return fmt.Errorf("node %q is a %s: only routers run an agent", node, n.Kind)
	}
	p, ok := agentOf(st, node)
	if !ok {
		return fmt.Errorf("node %q runs no agent (is the lab's daemons setting \"none\"?)", node)
	}
	began := in.now()
	if pid := p.PID; pid > 0 && ourSupervisor(pid, st.Dir) {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("node %q: kill agent supervisor %d: %w", node, pid, err)
		}
	}
	status := filepath.Join(nodes.NodeDir(st.Dir, node), p.Spec.Name+".status")
	if s, err := readStatus(status); err == nil && s.PID > 0 && inNetns(s.PID, nodes.NetnsPath(st.Lab, node)) {
		// The supervisor starts the agent in its own process group.
		if err := syscall.Kill(-s.PID, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("node %q: kill agent %d: %w", node, s.PID, err)
		}
		if !waitGone(s.PID, 3*time.Second) {
			return fmt.Errorf("node %q: agent %d survived SIGKILL", node, s.PID)
		}
	}
	// Both are gone or going: StopProcess now only drops the record.
	if err := nodes.StopProcess(st, node, p.Spec.Name); err != nil {
		in.log().Warn("forget stopped agent", "node", node, "error", err)
	}
	spec := p.Spec
	in.log().Info("agent crashed on purpose", "node", node)
	return Update(in.StateDir, func(f *File) error {
		f.applyWith(Record{Time: began, Kind: KindNodeStop, Node: node}, &spec)
		return nil
	})
}

// NodeStart starts router node's agent again, as it ran before NodeStop.
func (in *Injector) NodeStart(st *nodes.State, node string) error {
	if _, err := st.Node(node); err != nil {
		return err
	}
	if p, ok := agentOf(st, node); ok && ourSupervisor(p.PID, st.Dir) {
		return fmt.Errorf("node %q: the agent is running (supervisor pid %d)", node, p.PID)
	}
	f, err := Load(in.StateDir)
	if err != nil {
		return err
	}
	spec := f.StoppedSpec(node)
	if spec == nil {
		return fmt.Errorf("node %q: no stopped agent recorded (use `netemu node stop %s` first)", node, node)
	}
	began := in.now()
	if _, err := nodes.StartProcess(st, node, *spec); err != nil {
		return fmt.Errorf("node %q: start agent: %w", node, err)
	}
	in.log().Info("agent restarted", "node", node)
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
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if syscall.Kill(pid, 0) != nil {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
