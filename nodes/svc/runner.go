package svc

import (
	"os/exec"

	"github.com/netemu/netemu/nodes"
)

// NodesRunner is the Runner of the real lab: nodes' supervisor and
// nsenter-based commands.
type NodesRunner struct{}

// StartProcess implements Runner.
func (NodesRunner) StartProcess(st *nodes.State, node string, spec nodes.ProcessSpec) (nodes.ProcessState, error) {
	return nodes.StartProcess(st, node, spec)
}

// StopProcess implements Runner.
func (NodesRunner) StopProcess(st *nodes.State, node, name string) error {
	return nodes.StopProcess(st, node, name)
}

// StartInit implements Runner.
func (NodesRunner) StartInit(st *nodes.State, node string) (nodes.ProcessState, error) {
	return nodes.StartInit(st, node)
}

// Command implements Runner.
func (NodesRunner) Command(st *nodes.State, node string, argv []string) *exec.Cmd {
	return nodes.Command(st, node, argv...)
}
