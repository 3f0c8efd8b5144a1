package main

import (
	"errors"
	"io/fs"
	"os"
	"slices"

	"github.com/netemu/netemu/topo"
)

// loadLab reads FILE; "" is the embedded seed lab, and the name of an
// embedded example (e.g. "aws-ssh-static") loads it when no such file
// exists.
func loadLab(file string) (*topo.Lab, error) {
	if file == "" {
		return topo.LoadExample(topo.Seed)
	}
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) && slices.Contains(topo.Examples(), file) {
		return topo.LoadExample(file)
	}
	return topo.Load(file)
}
