package nodes

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// nsenterArgs is the nsenter command line (without the program) that
// enters node's namespaces.
func nsenterArgs(st *State, node string) ([]string, error) {
	n, err := st.Node(node)
	if err != nil {
		return nil, err
	}
	nsenter, err := exec.LookPath("nsenter")
	if err != nil {
		return nil, fmt.Errorf("node %q: nsenter (util-linux) is needed: %w", node, err)
	}
	args := []string{nsenter, "--net=" + labpath.NetnsPath(st.Lab, node), "--uts=" + labpath.UTSPath(st.Dir, node)}
	if pidns := initNSArgs(st, node); pidns != nil {
		// An instance's PID namespace and the mount namespace of its init
		// (its /proc shows that PID namespace only).
		return append(args, pidns...), nil
	}
	if n.Kind == topo.KindInstance {
		// Nothing runs in a stopped instance (and without its PID
		// namespace a command would see the host's processes).
		return nil, fmt.Errorf("instance %q is not running (start it: netemu instance start %s)", node, node)
	}
	if HasMountNS(n) {
		args = append(args, "--mount="+labpath.MntPath(st.Dir, node))
		// Entering a mount namespace resets the working directory to its
		// root; keep a host's home (where the lab's key sits) as the cwd.
		if home := hostHome(st, node); home != "" {
			args = append(args, "--wd="+home)
		}
	}
	return args, nil
}

// Command returns a command that runs argv inside node's namespaces
// (network, UTS, and an instance's mount namespace). An unknown node gives
// a Cmd whose Err is set, so Run/Output/Start report it.
func Command(st *State, node string, argv ...string) *exec.Cmd {
	pre, err := nsenterArgs(st, node)
	if err == nil && len(argv) == 0 {
		err = fmt.Errorf("node %q: no command", node)
	}
	if err != nil {
		return &exec.Cmd{Path: "nsenter", Args: append([]string{"nsenter"}, argv...), Err: err}
	}
	args := append(append(pre, "--"), argv...)
	cmd := exec.Command(args[0], args[1:]...)
	if home := hostHome(st, node); home != "" {
		cmd.Dir = home
	}
	return cmd
}

// hostHome is the directory a command on a host starts in: the host's
// home under its node dir when services made one (the lab's key pair sits
// there, so `ssh -i my-key.pem …` works as written), else "" (keep the
// caller's). Instances have their own /home in their mount namespace.
func hostHome(st *State, node string) string {
	n, err := st.Node(node)
	if err != nil || n.Kind != topo.KindHost {
		return ""
	}
	home := filepath.Join(labpath.NodeDir(st.Dir, node), "home")
	if fi, err := os.Stat(home); err == nil && fi.IsDir() {
		return home
	}
	return ""
}

// Exec replaces the running program with argv inside node's namespaces, so
// stdin, the terminal and the exit status pass through unchanged. It
// returns only on error.
func Exec(st *State, node string, argv ...string) error {
	pre, err := nsenterArgs(st, node)
	if err != nil {
		return err
	}
	if len(argv) == 0 {
		return fmt.Errorf("node %q: no command", node)
	}
	args := append(append(pre, "--"), argv...)
	env := os.Environ()
	if home := hostHome(st, node); home != "" {
		if err := os.Chdir(home); err != nil {
			return fmt.Errorf("node %q: %w", node, err)
		}
		env = append(env, "HOME="+home)
	}
	if err := syscall.Exec(args[0], args, env); err != nil {
		return fmt.Errorf("node %q: exec %s: %w", node, args[0], err)
	}
	return nil
}

// SuperviseConfig is what `netemu supervise --config FILE` reads.
type SuperviseConfig struct {
	Lab    string      `json:"lab"`
	Node   string      `json:"node"`
	Netns  string      `json:"netns"` // the supervisor exits when this is gone
	Argv   []string    `json:"argv"`  // nsenter … -- [setpriv …] command
	Spec   ProcessSpec `json:"spec"`
	Status string      `json:"status"` // the status file it keeps current
	// Builtin names a program netemu runs in-process instead of Argv
	// (BuiltinInit, BuiltinIMDS); BuiltinArg is its argument.
	Builtin    string `json:"builtin,omitempty"`
	BuiltinArg string `json:"builtin_arg,omitempty"`
}

// SupervisedStatus is a supervisor's status file (<nodedir>/<name>.status).
type SupervisedStatus struct {
	Supervisor int       `json:"supervisor_pid"`
	PID        int       `json:"pid"` // the program's pid; 0 while waiting
	State      string    `json:"state"`
	Restarts   int       `json:"restarts"`
	LastExit   string    `json:"last_exit,omitempty"`
	Since      time.Time `json:"since"`
	NextStart  time.Time `json:"next_start,omitzero"`
}

// Supervisor states.
const (
	SupStarting = "starting"
	SupRunning  = "running"
	SupBackoff  = "backoff"
	SupExited   = "exited"
	SupStopped  = "stopped"
)

func processFiles(st *State, node, name string) (cfg, status, logf string) {
	d := labpath.NodeDir(st.Dir, node)
	return filepath.Join(d, name+".proc.json"), filepath.Join(d, name+".status"), filepath.Join(d, name+".log")
}

// StartProcess starts spec supervised inside node: a detached `netemu
// supervise` (st.Supervisor) runs it through nsenter, restarts it when
// spec.Restart, and logs to <nodedir>/<name>.log. The supervisor is
// recorded in the state.
func StartProcess(st *State, node string, spec ProcessSpec) (ProcessState, error) {
	if spec.Name == "" || filepath.Base(spec.Name) != spec.Name || spec.Name[0] == '.' {
		return ProcessState{}, fmt.Errorf("node %q: bad process name %q", node, spec.Name)
	}
	if len(spec.Command) == 0 {
		return ProcessState{}, fmt.Errorf("node %q: process %q has no command", node, spec.Name)
	}
	pre, err := nsenterArgs(st, node)
	if err != nil {
		return ProcessState{}, err
	}
	switch {
	case spec.Dir != "":
		pre = append(pre, "--wd="+spec.Dir)
	case spec.User != "":
		// A host's commands start in its home, which holds the lab's keys
		// and is root's alone: a program run as another user could not
		// even getcwd there. Start it in / as systemd does with User=.
		pre = append(pre, "--wd=/")
	}
	argv := append(pre, "--")
	if spec.User != "" {
		// setpriv runs after nsenter, so the user is looked up in the
		// node's own /etc/passwd when it has a mount namespace.
		// The group is the user's primary group there (id -g), not a
		// group of the same name, which Debian's nobody lacks.
		argv = append(argv, "/bin/sh", "-c", `exec setpriv --reuid="$0" --regid="$(id -g "$0")" --init-groups -- "$@"`, spec.User)
	}
	argv = append(argv, spec.Command...)

	st.mu.Lock()
	for _, p := range st.Processes {
		if p.Node == node && p.Spec.Name == spec.Name && alive(p.PID) && isSupervisorOf(p.PID, st.Dir) {
			st.mu.Unlock()
			return ProcessState{}, fmt.Errorf("node %q: process %q is already running (supervisor pid %d)", node, spec.Name, p.PID)
		}
	}
	st.mu.Unlock()

	cfgPath, statusPath, logPath := processFiles(st, node, spec.Name)
	cfg := SuperviseConfig{Lab: st.Lab, Node: node, Netns: labpath.NetnsPath(st.Lab, node), Argv: argv, Spec: spec, Status: statusPath}
	logf, err := prepareSupervised(cfg, cfgPath, logPath)
	if err != nil {
		return ProcessState{}, err
	}
	defer logf.Close()
	sup, err := supervisorBinary(st)
	if err != nil {
		return ProcessState{}, err
	}
	cmd := exec.Command(sup, "supervise", "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf // stdin stays /dev/null
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
	if err := cmd.Start(); err != nil {
		return ProcessState{}, fmt.Errorf("node %q: start supervisor for %q: %w", node, spec.Name, err)
	}
	// Reap it if it ends while we live (in-process callers, tests); the
	// CLI exits first and init adopts it.
	go cmd.Wait()
	ps := ProcessState{Node: node, Spec: spec, PID: cmd.Process.Pid, Started: time.Now().UTC(), LogFile: logPath}
	st.mu.Lock()
	defer st.mu.Unlock()
	kept := st.Processes[:0]
	for _, p := range st.Processes {
		if !(p.Node == node && p.Spec.Name == spec.Name) {
			kept = append(kept, p)
		}
	}
	st.Processes = append(kept, ps)
	if err := saveStateLocked(st); err != nil {
		return ps, err
	}
	return ps, nil
}

// StopProcess stops one supervised process of node: SIGTERM to its
// supervisor, which stops the program (SIGKILL after 5 s), and waits for
// both. Stopping what is not running is success.
func StopProcess(st *State, node, name string) error {
	return stopWhere(st, func(p ProcessState) bool { return p.Node == node && p.Spec.Name == name })
}

// StopNodeProcesses stops every supervised process of node.
func StopNodeProcesses(st *State, node string) error {
	return stopWhere(st, func(p ProcessState) bool { return p.Node == node })
}

func stopWhere(st *State, match func(ProcessState) bool) error {
	st.mu.Lock()
	var victims []ProcessState
	for _, p := range st.Processes {
		if match(p) {
			victims = append(victims, p)
		}
	}
	st.mu.Unlock()
	var errs []error
	var pids []int
	for _, p := range victims {
		if isSupervisorOf(p.PID, st.Dir) {
			errs = append(errs, kill(p.PID, syscall.SIGTERM))
			pids = append(pids, p.PID)
		}
	}
	for _, pid := range waitGone(pids, 7*time.Second) {
		errs = append(errs, kill(pid, syscall.SIGKILL))
	}
	// A supervisor killed hard leaves its program behind; its status file
	// names it.
	for _, p := range victims {
		_, statusPath, _ := processFiles(st, p.Node, p.Spec.Name)
		if s, err := readSupervised(statusPath); err == nil && s.PID > 0 && alive(s.PID) && s.State == SupRunning {
			if inNetns(s.PID, labpath.NetnsPath(st.Lab, p.Node)) {
				errs = append(errs, kill(-s.PID, syscall.SIGKILL))
			}
		}
	}
	st.mu.Lock()
	kept := st.Processes[:0]
	for _, p := range st.Processes {
		if !match(p) {
			kept = append(kept, p)
		}
	}
	st.Processes = kept
	errs = append(errs, saveStateLocked(st))
	st.mu.Unlock()
	return errors.Join(errs...)
}

func readSupervised(path string) (*SupervisedStatus, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := &SupervisedStatus{}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return s, nil
}

// inNetns says whether pid runs in the network namespace mounted at path.
func inNetns(pid int, path string) bool {
	var a, b syscall.Stat_t
	if syscall.Stat(path, &a) != nil || syscall.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &b) != nil {
		return false
	}
	return a.Ino == b.Ino && a.Dev == b.Dev
}

// prepareSupervised writes a supervisor's config to cfgPath, removes the
// status a previous run left, and opens (appending) the log the
// supervisor's own output goes to.
func prepareSupervised(cfg SuperviseConfig, cfgPath, logPath string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(cfgPath), 0o755); err != nil {
		return nil, fmt.Errorf("node %q: %w", cfg.Node, err)
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(cfgPath, data, 0o644); err != nil {
		return nil, fmt.Errorf("node %q: write %s: %w", cfg.Node, cfgPath, err)
	}
	os.Remove(cfg.Status)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("node %q: open log: %w", cfg.Node, err)
	}
	return logf, nil
}

// supervisorBinary is the netemu that supervises the share's processes:
// the one the share names, else this program.
func supervisorBinary(st *State) (string, error) {
	if st.Supervisor != "" {
		return st.Supervisor, nil
	}
	sup, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the netemu binary: %w", err)
	}
	return sup, nil
}
