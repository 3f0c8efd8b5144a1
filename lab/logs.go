package lab

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/netemu/netemu/nodes"
)

// Logs copies the log of each process netemu supervises in node (or only
// of want) to w, each under a header when there are several, and returns
// those processes for FollowLogs.
func Logs(w io.Writer, st *nodes.State, node, want string) ([]nodes.ProcessState, error) {
	var procs []nodes.ProcessState
	var names []string
	seen := map[string]bool{}
	for _, p := range st.Processes {
		if p.Node != node || seen[p.Spec.Name] {
			continue
		}
		seen[p.Spec.Name] = true
		names = append(names, p.Spec.Name)
		if want == "" || p.Spec.Name == want {
			procs = append(procs, p)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("node %s runs no process started by netemu", node)
	}
	if len(procs) == 0 {
		return nil, fmt.Errorf("node %s has no process %q (it has: %s)", node, want, strings.Join(names, ", "))
	}
	for i, p := range procs {
		if len(procs) > 1 {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "==> %s (%s) <==\n", p.Spec.Name, p.LogFile)
		}
		f, err := os.Open(p.LogFile)
		if err != nil {
			return nil, fmt.Errorf("process %s: %w", p.Spec.Name, err)
		}
		_, err = io.Copy(w, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("process %s: read log: %w", p.Spec.Name, err)
		}
	}
	return procs, nil
}

// FollowLogs writes what is appended to the processes' logs from now on,
// checking every interval, until ctx ends. With several processes each
// chunk is prefixed with the process's name.
func FollowLogs(ctx context.Context, w io.Writer, procs []nodes.ProcessState, interval time.Duration) error {
	offsets := make([]int64, len(procs))
	for i, p := range procs {
		if fi, err := os.Stat(p.LogFile); err == nil {
			offsets[i] = fi.Size()
		}
	}
	return poll(ctx, interval, func() error {
		for i, p := range procs {
			n, err := copyFrom(w, p.LogFile, offsets[i], len(procs) > 1, p.Spec.Name)
			if err != nil {
				return fmt.Errorf("process %s: %w", p.Spec.Name, err)
			}
			offsets[i] = n
		}
		return nil
	})
}

// poll calls fn every interval until ctx ends (nil) or fn fails.
func poll(ctx context.Context, interval time.Duration, fn func() error) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := fn(); err != nil {
			return err
		}
	}
}

// copyFrom copies path from offset to w and returns the new offset; a log
// that shrank (rotated or truncated) is read again from its start.
func copyFrom(w io.Writer, path string, offset int64, prefix bool, name string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return offset, nil // not there (yet): nothing to print
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return offset, err
	}
	if fi.Size() < offset {
		offset = 0
	}
	if fi.Size() == offset {
		return offset, nil
	}
	data := make([]byte, fi.Size()-offset)
	n, err := f.ReadAt(data, offset)
	if err != nil && err != io.EOF {
		return offset, err
	}
	data = data[:n]
	if prefix {
		text := strings.TrimSuffix(string(data), "\n")
		data = []byte("[" + name + "] " + strings.ReplaceAll(text, "\n", "\n["+name+"] ") + "\n")
	}
	if _, err := w.Write(data); err != nil {
		return offset, err
	}
	return offset + int64(n), nil
}
