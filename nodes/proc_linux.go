package nodes

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cmdline returns a process's argv, or nil when it is gone or a zombie.
func cmdline(pid int) []string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(data) == 0 {
		return nil
	}
	data = bytes.TrimRight(data, "\x00")
	return strings.Split(string(data), "\x00")
}

// isSupervisorOf says whether pid is a `netemu supervise` of the share in
// dir: its argv has "supervise" and a config path inside dir. Checked
// before any signal, since a pid from a state file may have been reused.
func isSupervisorOf(pid int, dir string) bool {
	args := cmdline(pid)
	sup, in := false, false
	for _, a := range args {
		if a == "supervise" {
			sup = true
		}
		if strings.HasPrefix(a, dir+string(os.PathSeparator)) {
			in = true
		}
	}
	return sup && in
}

// alive says whether pid exists and is not a zombie.
func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses, which may hold
	// spaces and parentheses itself.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return false
	}
	return data[i+2] != 'Z' && data[i+2] != 'X'
}

// waitGone polls until none of pids is alive or the deadline passes; it
// returns those still alive.
func waitGone(pids []int, d time.Duration) []int {
	deadline := time.Now().Add(d)
	for {
		var left []int
		for _, p := range pids {
			if alive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// allPids lists every process's pid.
func allPids() ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var out []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out, nil
}

// kill signals pid; a process already gone is success.
func kill(pid int, sig syscall.Signal) error {
	if err := syscall.Kill(pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal %d to pid %d: %w", sig, pid, err)
	}
	return nil
}
