package nodes

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// ErrNotUp is returned (wrapped) by LoadState when a lab share has no state.
var ErrNotUp = errors.New("lab is not up")

// SaveState writes the share's state.json atomically (write, fsync, rename),
// so a crash leaves either the old or the new file, never half of one.
func SaveState(st *State) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return saveStateLocked(st)
}

func saveStateLocked(st *State) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("lab %q: encode state: %w", st.Lab, err)
	}
	if err := os.MkdirAll(st.Dir, 0o755); err != nil {
		return fmt.Errorf("lab %q: create state dir: %w", st.Lab, err)
	}
	path := labpath.StatePath(st.Dir)
	tmp, err := os.CreateTemp(st.Dir, ".state-*.json")
	if err != nil {
		return fmt.Errorf("lab %q: write state: %w", st.Lab, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("lab %q: write state: %w", st.Lab, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("lab %q: write state: %w", st.Lab, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("lab %q: write state: %w", st.Lab, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("lab %q: write state: %w", st.Lab, err)
	}
	return nil
}

// LoadState reads a share's state. A share that is not up gives an error
// wrapping ErrNotUp (test with errors.Is).
func LoadState(lab, machine string) (*State, error) {
	return readState(labpath.StateDir(lab, machine))
}

func readState(dir string) (*State, error) {
	data, err := os.ReadFile(labpath.StatePath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", filepath.Base(dir), ErrNotUp)
	}
	if err != nil {
		return nil, fmt.Errorf("read state of %s: %w", filepath.Base(dir), err)
	}
	st := &State{}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("read state of %s: %w", filepath.Base(dir), err)
	}
	// The directory may have moved with NETEMU_RUN_DIR; trust where we
	// found it.
	st.Dir = dir
	return st, nil
}

// ListStates returns every share with a state file under labpath.RunDir, sorted by
// lab then machine. Unreadable state files are reported in the error but
// do not hide the others.
func ListStates() ([]*State, error) {
	entries, err := os.ReadDir(labpath.RunDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list labs: %w", err)
	}
	var out []*State
	var errs []error
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		st, err := readState(filepath.Join(labpath.RunDir(), e.Name()))
		if errors.Is(err, ErrNotUp) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Lab != out[j].Lab {
			return out[i].Lab < out[j].Lab
		}
		return out[i].Machine < out[j].Machine
	})
	return out, errors.Join(errs...)
}

// Node returns the model of one of the share's nodes, or an error naming
// the nodes it has.
func (st *State) Node(name string) (*topo.Node, error) {
	for _, n := range st.Nodes {
		if n == name {
			if st.Model != nil {
				if m := st.Model.Node(name); m != nil {
					return m, nil
				}
			}
			break
		}
	}
	return nil, fmt.Errorf("lab %q has no node %q here (nodes: %s)", st.Lab, name, strings.Join(st.Nodes, ", "))
}

// NodeDir is the node's directory inside this share.
func (st *State) NodeDir(node string) string { return labpath.NodeDir(st.Dir, node) }

// MarkUp records that the share is fully up (every `up` stage ran).
func MarkUp(st *State) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.Phase = PhaseUp
	return saveStateLocked(st)
}
