package nodes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/labpath"
)

// InitProcess is the name of an instance's init, the first process of its
// PID namespace.
const InitProcess = "init"

// Builtins: programs `netemu supervise` runs in-process instead of
// executing one (netemu's own daemons, started inside a node through
// nsenter like any program).
const (
	BuiltinInit = "init"
	BuiltinIMDS = "imds"
)

// BuiltinFunc runs a built-in program until ctx ends. arg is the
// SuperviseConfig's BuiltinArg (a configuration file).
type BuiltinFunc func(ctx context.Context, arg string, log hclog.Logger) error

// StartInit starts node's init: `netemu supervise` with the built-in init,
// as PID 1 of a new PID namespace, inside the node's network and UTS
// namespaces and a child of its mount namespace (the view) where a fresh
// /proc shows only that PID namespace. Every later Command, Exec and
// StartProcess on the node enters both. Stopping it (StopProcess …
// "init") ends every process of the instance: the kernel kills a PID
// namespace with its init.
func StartInit(st *State, node string) (ProcessState, error) {
	if pid := initPID(st, node); pid > 0 {
		return ProcessState{}, fmt.Errorf("node %q: init is already running (pid %d)", node, pid)
	}
	nsenter, err := exec.LookPath("nsenter")
	if err != nil {
		return ProcessState{}, fmt.Errorf("node %q: nsenter (util-linux) is needed: %w", node, err)
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return ProcessState{}, fmt.Errorf("node %q: unshare (util-linux) is needed: %w", node, err)
	}
	sup, err := supervisorBinary(st)
	if err != nil {
		return ProcessState{}, err
	}
	cfgPath, statusPath, logPath := processFiles(st, node, InitProcess)
	spec := ProcessSpec{Name: InitProcess, Command: []string{sup, "supervise", "--config", cfgPath}}
	cfg := SuperviseConfig{Lab: st.Lab, Node: node, Netns: labpath.NetnsPath(st.Lab, node), Spec: spec,
		Status: statusPath, Builtin: BuiltinInit}
	logf, err := prepareSupervised(cfg, cfgPath, logPath)
	if err != nil {
		return ProcessState{}, err
	}
	defer logf.Close()
	// The chain: a process born in a new PID namespace (CLONE_NEWPID, so it
	// is PID 1 there) enters the node's namespaces with nsenter, unshare
	// gives it a child of the view's mount namespace with /proc mounted
	// for the new PID namespace (propagation unchanged: the view is a
	// slave of the host's, so nothing reaches the host), then it becomes
	// netemu's init. nsenter and unshare exec, so PID 1 stays one process.
	args := []string{nsenter, "--net=" + labpath.NetnsPath(st.Lab, node), "--uts=" + labpath.UTSPath(st.Dir, node),
		"--mount=" + labpath.MntPath(st.Dir, node), "--",
		unshare, "--mount", "--propagation", "unchanged", "--mount-proc", "--"}
	args = append(args, spec.Command...)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = "/"
	cmd.Env = processEnv(nil)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Cloneflags: syscall.CLONE_NEWPID}
	if err := cmd.Start(); err != nil {
		return ProcessState{}, fmt.Errorf("node %q: start init: %w", node, err)
	}
	go cmd.Wait()
	ps := ProcessState{Node: node, Spec: spec, PID: cmd.Process.Pid, Started: time.Now().UTC(), LogFile: logPath}
	st.mu.Lock()
	kept := st.Processes[:0]
	for _, p := range st.Processes {
		if !(p.Node == node && p.Spec.Name == InitProcess) {
			kept = append(kept, p)
		}
	}
	st.Processes = append(kept, ps)
	err = saveStateLocked(st)
	st.mu.Unlock()
	if err != nil {
		return ps, err
	}
	// Ready once it says so: /proc is mounted and it reaps.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s, err := readSupervised(statusPath); err == nil && s.State == SupRunning {
			// Inside, init is PID 1; status shows the host's pid.
			s.PID = ps.PID
			if err := writeSupervised(statusPath, s); err != nil {
				return ps, err
			}
			return ps, pinInitNS(st, node, ps.PID)
		}
		if !alive(ps.PID) || time.Now().After(deadline) {
			return ps, fmt.Errorf("node %q: init did not start; log:\n%s", node, tailFile(logPath, 10))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// initPID is the host PID of node's running init, or 0. The pid is
// checked to be our supervisor in the node's network namespace, since a
// pid from the state file may have been reused.
func initPID(st *State, node string) int {
	st.mu.Lock()
	var pid int
	for _, p := range st.Processes {
		if p.Node == node && p.Spec.Name == InitProcess {
			pid = p.PID
		}
	}
	st.mu.Unlock()
	if pid <= 0 || !alive(pid) || !isSupervisorOf(pid, st.Dir) || !inNetns(pid, labpath.NetnsPath(st.Lab, node)) {
		return 0
	}
	return pid
}

// initNSPaths are where the PID namespace of node's init and its mount
// namespace are bind-mounted, beside the node's other namespaces (down
// removes them with the rest). Supervised programs enter them by these
// paths, never by /proc/PID: a pid reused after init ended would put
// them in another process's namespaces; a PID namespace whose init is
// gone refuses new processes instead.
func initNSPaths(st *State, node string) (pidns, mnt string) {
	d := labpath.NsDir(st.Dir)
	return filepath.Join(d, node+".pidns"), filepath.Join(d, node+".initmnt")
}

// pinInitNS bind-mounts init's PID and mount namespaces at initNSPaths,
// replacing those of an earlier init.
func pinInitNS(st *State, node string, pid int) error {
	pidns, mnt := initNSPaths(st, node)
	for _, b := range []struct{ ns, path string }{{"pid", pidns}, {"mnt", mnt}} {
		_ = unix.Unmount(b.path, unix.MNT_DETACH)
		f, err := os.OpenFile(b.path, os.O_CREATE|os.O_RDONLY, 0o444)
		if err != nil {
			return fmt.Errorf("node %q: %w", node, err)
		}
		f.Close()
		src := "/proc/" + strconv.Itoa(pid) + "/ns/" + b.ns
		if err := unix.Mount(src, b.path, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("node %q: pin init's %s namespace at %s: %w", node, b.ns, b.path, err)
		}
	}
	return nil
}

// initNSArgs are nsenter's options that enter the PID namespace of
// node's init and its mount namespace (the view with the fresh /proc);
// nil when the node has no running init.
func initNSArgs(st *State, node string) []string {
	if initPID(st, node) == 0 {
		return nil
	}
	pidns, mnt := initNSPaths(st, node)
	return []string{"--pid=" + pidns, "--mount=" + mnt}
}

// runInit is the built-in init: PID 1 of an instance's PID namespace. It
// reaps every orphan the namespace's programs leave (sshd's sessions, a
// user's background jobs), and when stopped it asks every process of the
// namespace to end (SIGTERM, SIGKILL after stopGrace) before it returns —
// after which the kernel kills whatever is left.
func runInit(ctx context.Context, cfg SuperviseConfig, log hclog.Logger) error {
	s := &SupervisedStatus{Supervisor: os.Getpid(), State: SupRunning, Since: time.Now().UTC()}
	// unshare mounted /proc for this PID namespace; /sys too must be the
	// instance's (its network namespace's /sys/class/net), in this mount
	// namespace of its own, which nothing propagates back from.
	if err := unix.Mount("sysfs", "/sys", "sysfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		log.Warn("mount sysfs", "error", err)
	}
	sigc := make(chan os.Signal, 16)
	signal.Notify(sigc, syscall.SIGCHLD)
	defer signal.Stop(sigc)
	if err := writeSupervised(cfg.Status, s); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	log.Info("init running", "pid", os.Getpid())
	reap := func() (children bool) {
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			switch {
			case errors.Is(err, syscall.ECHILD):
				return false
			case err != nil, pid == 0:
				return true
			}
		}
	}
	// A periodic pass too: signals of the same kind coalesce.
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for ctx.Err() == nil {
		select {
		case <-sigc:
		case <-tick.C:
		case <-ctx.Done():
		}
		reap()
	}
	_ = syscall.Kill(-1, syscall.SIGTERM)
	// Most of the namespace's programs are children of their nsenter
	// (outside), not of init: wait until /proc, which shows this PID
	// namespace only, lists nobody but init.
	deadline := time.Now().Add(initStopGrace)
	for time.Now().Before(deadline) && othersInPIDNS() {
		reap()
		select {
		case <-sigc:
		case <-time.After(20 * time.Millisecond):
		}
	}
	_ = syscall.Kill(-1, syscall.SIGKILL)
	reap()
	s.State, s.LastExit = SupStopped, "stopped by netemu"
	_ = writeSupervised(cfg.Status, s)
	return nil
}

// initStopGrace bounds how long init waits for the namespace's programs
// after SIGTERM; short, so instance stop stays fast (supervisors have
// already stopped the services by then).
const initStopGrace = 1500 * time.Millisecond

// othersInPIDNS says whether /proc (this PID namespace's) lists a process
// other than init.
func othersInPIDNS() bool {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid != 1 {
			return true
		}
	}
	return false
}

// runBuiltin runs cfg's built-in program in this process (already inside
// the node: nsenter started it). builtins are netemu's own daemons that
// live in other packages (nodes/imds), passed in by the caller.
func runBuiltin(ctx context.Context, cfg SuperviseConfig, log hclog.Logger) error {
	if cfg.Builtin == BuiltinInit {
		return runInit(ctx, cfg, log)
	}
	f, ok := builtins()[cfg.Builtin]
	if !ok {
		return fmt.Errorf("supervise: unknown built-in %q", cfg.Builtin)
	}
	return f(ctx, cfg.BuiltinArg, log)
}

// BuiltinSpec is the ProcessSpec that runs a built-in daemon inside a node
// under StartProcess: the supervisor starts `netemu supervise` again
// inside the node's namespaces with an inner config naming the built-in.
func BuiltinSpec(st *State, node, name, builtin, arg string) (ProcessSpec, error) {
	if _, ok := builtins()[builtin]; !ok {
		return ProcessSpec{}, fmt.Errorf("node %q: unknown built-in %q", node, builtin)
	}
	sup, err := supervisorBinary(st)
	if err != nil {
		return ProcessSpec{}, err
	}
	d := labpath.NodeDir(st.Dir, node)
	inner := filepath.Join(d, name+".builtin.json")
	cfg := SuperviseConfig{Lab: st.Lab, Node: node, Builtin: builtin, BuiltinArg: arg,
		Status: filepath.Join(d, name+".builtin.status"), Spec: ProcessSpec{Name: name}}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return ProcessSpec{}, err
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		return ProcessSpec{}, fmt.Errorf("node %q: %w", node, err)
	}
	if err := os.WriteFile(inner, data, 0o644); err != nil {
		return ProcessSpec{}, fmt.Errorf("node %q: write %s: %w", node, inner, err)
	}
	return ProcessSpec{Name: name, Restart: true, Command: []string{sup, "supervise", "--config", inner}}, nil
}

func tailFile(path string, lines int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	out := string(data)
	n := 0
	for i := len(out) - 1; i > 0; i-- {
		if out[i] == '\n' {
			if n++; n > lines {
				return out[i+1:]
			}
		}
	}
	return out
}
