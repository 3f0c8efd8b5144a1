package nodes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/labpath"
)

// netnsPaths lists the network namespace mounts that belong to a share:
// those its state names and, for a single-machine lab, any
// /run/netns/ne.LAB.* (node names hold no '.', so the glob matches this
// lab only), which covers a crash before the state named them all.
func netnsPaths(lab, machine string, st *State) []string {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if st != nil {
		for _, n := range st.Nodes {
			add(labpath.NetnsPath(lab, n))
		}
	}
	if machine == "" {
		matches, _ := filepath.Glob(labpath.NetnsGlob(lab))
		for _, m := range matches {
			add(m)
		}
	}
	return out
}

// Present says whether anything of the share exists: a state directory or
// namespaces named after the lab.
func Present(lab, machine string) bool {
	if _, err := os.Stat(labpath.StateDir(lab, machine)); err == nil {
		return true
	}
	return len(netnsPaths(lab, machine, nil)) > 0
}

// Down removes a share: every process netemu started for it, every
// process still inside its namespaces, the namespaces, the state
// directory. It works from the state and, when that is missing or
// partial, from names. Idempotent: what is already gone is success. The
// caller holds the share's Lock.
func Down(ctx context.Context, lab, machine string, log hclog.Logger) error {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	log = log.Named("down").With("lab", labpath.ShareName(lab, machine))
	dir := labpath.StateDir(lab, machine)
	st, err := readState(dir)
	if err != nil {
		if !errors.Is(err, ErrNotUp) {
			log.Warn("state unreadable, removing by name", "error", err)
		}
		st = nil
	}
	var errs []error

	// 1. Supervisors first, so they do not restart what we kill next.
	pids, err := allPids()
	if err != nil {
		return err
	}
	var sups []int
	for _, pid := range pids {
		if isSupervisorOf(pid, dir) {
			sups = append(sups, pid)
		}
	}
	for _, pid := range sups {
		errs = append(errs, kill(pid, syscall.SIGTERM))
	}
	// A supervisor gives its program 5 s after SIGTERM.
	for _, pid := range waitGone(sups, 7*time.Second) {
		log.Warn("supervisor ignored SIGTERM, killing it", "pid", pid)
		errs = append(errs, kill(pid, syscall.SIGKILL))
	}

	// 2. Whatever still runs inside the share's namespaces.
	paths := netnsPaths(lab, machine, st)
	inodes := map[uint64]bool{}
	addInode := func(p string) {
		// Only a mounted namespace counts: a plain file left by a crash
		// could share its inode number with someone else's namespace.
		var fs unix.Statfs_t
		if unix.Statfs(p, &fs) != nil || fs.Type != unix.NSFS_MAGIC {
			return
		}
		var s unix.Stat_t
		if unix.Stat(p, &s) == nil && s.Ino != 0 {
			inodes[s.Ino] = true
		}
	}
	for _, p := range paths {
		addInode(p)
	}
	nsFiles, _ := filepath.Glob(filepath.Join(labpath.NsDir(dir), "*"))
	for _, p := range nsFiles {
		addInode(p)
	}
	if len(inodes) > 0 {
		deadline := time.Now().Add(10 * time.Second)
		for {
			victims := procsIn(inodes)
			if len(victims) == 0 {
				break
			}
			if time.Now().After(deadline) {
				errs = append(errs, fmt.Errorf("processes %v survive SIGKILL inside the lab's namespaces", victims))
				break
			}
			for _, pid := range victims {
				log.Debug("killing process inside the lab", "pid", pid, "cmd", cmdline(pid))
				errs = append(errs, kill(pid, syscall.SIGKILL))
			}
			waitGone(victims, time.Second)
		}
	}

	// 3. Namespaces.
	for _, p := range paths {
		errs = append(errs, unmountRemove(p))
	}
	for _, p := range nsFiles {
		errs = append(errs, unmountRemove(p))
	}
	nsd := labpath.NsDir(dir)
	for range 8 { // the bind of the dir onto itself, possibly stacked
		if err := unix.Unmount(nsd, unix.MNT_DETACH); err != nil {
			break
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		errs = append(errs, fmt.Errorf("remove %s: %w", dir, err))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("down %s: %w", labpath.ShareName(lab, machine), err)
	}
	log.Debug("down")
	return nil
}

// procsIn lists the processes (other than this one) whose network, UTS or
// mount namespace is one of inodes.
func procsIn(inodes map[uint64]bool) []int {
	pids, err := allPids()
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var out []int
	for _, pid := range pids {
		if pid == self {
			continue
		}
		for _, kind := range []string{"net", "uts", "mnt"} {
			l, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/" + kind)
			if err != nil {
				continue
			}
			// "net:[4026532281]"
			i, j := strings.IndexByte(l, '['), strings.IndexByte(l, ']')
			if i < 0 || j < i {
				continue
			}
			ino, err := strconv.ParseUint(l[i+1:j], 10, 64)
			if err == nil && inodes[ino] {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

// unmountRemove detaches a namespace bind mount and removes its file;
// not mounted or not there is fine.
func unmountRemove(p string) error {
	if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount %s: %w", p, err)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", p, err)
	}
	return nil
}
