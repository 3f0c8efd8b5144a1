package nodes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/unix"
)

// Supervise is `netemu supervise`: it runs the configured program, restarts
// it with back-off when asked, keeps the status file current, and when ctx
// ends (SIGTERM) stops the program — SIGTERM to its process group, SIGKILL
// after 5 s — and returns.
func Supervise(ctx context.Context, cfgPath string, log hclog.Logger) error {
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		return fmt.Errorf("supervise: %w", err)
	}
	var cfg SuperviseConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("supervise: %s: %w", cfgPath, err)
	}
	if cfg.Builtin != "" {
		return runBuiltin(ctx, cfg, log.Named(cfg.Builtin).With("node", cfg.Node))
	}
	if len(cfg.Argv) == 0 {
		return fmt.Errorf("supervise: %s: no command", cfgPath)
	}
	log = log.Named("supervise").With("node", cfg.Node, "process", cfg.Spec.Name)
	// A child subreaper: when nsenter (which forks into an instance's PID
	// namespace and waits) is killed before its program, the program is
	// adopted here, not by the host's init, and reaped (reapOrphans).
	// Otherwise its zombie would hold the instance's PID namespace.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		log.Warn("cannot become a child subreaper", "error", err)
	}
	s := &SupervisedStatus{Supervisor: os.Getpid(), State: SupStarting, Since: time.Now().UTC()}
	write := func() {
		if err := writeSupervised(cfg.Status, s); err != nil {
			log.Warn("write status", "error", err)
		}
	}
	var wait time.Duration
	for {
		if _, err := os.Stat(cfg.Netns); err != nil {
			// The lab is gone: nothing to restart into.
			s.State, s.PID = SupStopped, 0
			write()
			return fmt.Errorf("supervise %s/%s: namespace gone: %w", cfg.Node, cfg.Spec.Name, err)
		}
		cmd := exec.Command(cfg.Argv[0], cfg.Argv[1:]...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		cmd.Env = processEnv(cfg.Spec.Env)
		// Its own process group, so stopping reaches its children too.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		started := time.Now()
		err := cmd.Start()
		if err != nil {
			s.LastExit = "start: " + err.Error()
			log.Warn("start failed", "error", err)
		} else {
			s.PID, s.State, s.Since = cmd.Process.Pid, SupRunning, started.UTC()
			s.NextStart = time.Time{}
			write()
			log.Info("started", "pid", s.PID)
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err = <-exited:
			case <-ctx.Done():
				stopGroup(cmd.Process.Pid, exited, log)
				s.State, s.PID, s.LastExit = SupStopped, 0, "stopped by netemu"
				write()
				return nil
			}
			s.LastExit = exitText(err)
			reapOrphans(false)
			log.Info("exited", "status", s.LastExit)
		}
		s.PID = 0
		if !cfg.Spec.Restart {
			s.State = SupExited
			write()
			<-ctx.Done() // stay, so status shows how it ended, until stopped
			return nil
		}
		wait = nextBackoff(wait, time.Since(started))
		s.Restarts++
		s.State, s.NextStart = SupBackoff, time.Now().Add(wait).UTC()
		write()
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			s.State = SupStopped
			write()
			return nil
		}
	}
}

// stopGroup sends SIGTERM to the program's process group, then SIGKILL
// after the grace period.
func stopGroup(pid int, exited <-chan error, log hclog.Logger) {
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(stopGrace):
		log.Warn("program ignored SIGTERM, killing it", "pid", pid)
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-exited
	}
	// Stragglers of the group that outlived their leader.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	reapOrphans(true)
}

// reapOrphans reaps the children adopted as a subreaper, once the
// program itself was waited for (so no wait here can take its status).
// With block, it waits for them to end (they were just killed), for at
// most a second.
func reapOrphans(block bool) {
	deadline := time.Now().Add(time.Second)
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		switch {
		case err != nil: // ECHILD: none left
			return
		case pid > 0:
			continue
		case !block || time.Now().After(deadline):
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ProcessState.String()
	}
	return err.Error()
}

// processEnv is the program's environment: a fixed PATH and what the spec
// sets; nothing leaks from whoever ran `netemu up`.
func processEnv(extra map[string]string) []string {
	env := map[string]string{
		"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LANG": "C.UTF-8",
	}
	for k, v := range extra {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func writeSupervised(path string, s *SupervisedStatus) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
