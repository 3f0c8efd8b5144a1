package main

import (
	"errors"

	"github.com/netemu/netemu/topo"
)

// loadLab reads FILE, or the embedded seed lab when file is "".
func loadLab(file string) (*topo.Lab, error) {
	// Wired to topo.Load / topo.LoadExample(topo.Seed) once topo lands.
	return nil, errors.New("the topology language is not built yet")
}
