package lab

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/netemu/netemu/topo"
)

// Load reads FILE; "" is the embedded seed lab, and the name of an
// embedded example (e.g. "aws-ssh-static") loads it when no such file
// exists.
func Load(file string) (*topo.Lab, error) {
	if file == "" {
		return topo.LoadExample(topo.Seed)
	}
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
		if slices.Contains(topo.Examples(), file) {
			return topo.LoadExample(file)
		}
		return nil, fmt.Errorf("there is no file %s, and no example lab of that name%s (`netemu examples` lists them)", file, DidYouMean(file, topo.Examples()))
	} else if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("cannot read %s: permission denied", file)
	}
	return topo.Load(file)
}

// Source is the text of FILE (or of the embedded example it names), as
// Load would read it: `up --all-machines` sends it to every machine.
func Source(file string) ([]byte, error) {
	if file == "" {
		return topo.ExampleSource(topo.Seed)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		if src, eerr := topo.ExampleSource(filepath.Base(file)); eerr == nil {
			return src, nil
		}
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return data, nil
}

// SelfPath is the running binary, resolved, so detached children (the
// supervisor, agents) keep working whatever the caller's cwd was. Up needs
// a netemu binary (UpOptions.Self); a program that is netemu passes this.
func SelfPath() (string, error) {
	p, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the netemu binary: %w", err)
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return p, nil
}
