package nodes

import (
	"context"
	"errors"
	"os/exec"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/topo"
)

var errTODO = errors.New("not implemented yet")

// Build builds machine's share of lab (see BuildOptions) and returns its
// state, saved on disk. On failure or a cancelled ctx everything built so
// far is removed before it returns.
func Build(ctx context.Context, lab *topo.Lab, opts BuildOptions) (*State, error) {
	return nil, errTODO
}

// Down removes a share: processes, namespaces, files. Idempotent: a share
// that is not up is success.
func Down(ctx context.Context, lab, machine string, log hclog.Logger) error { return errTODO }

// Lock takes the lab share's lock (RunDir()/LAB[@M].lock) so two commands
// never work on one share at once. It blocks until the lock is free or ctx
// ends.
func Lock(ctx context.Context, lab, machine string) (unlock func(), err error) { return nil, errTODO }

// StartProcess starts spec supervised inside node (see `netemu supervise`)
// and records it in the state.
func StartProcess(st *State, node string, spec ProcessSpec) (ProcessState, error) {
	return ProcessState{}, errTODO
}

// StopProcess stops one supervised process of node (SIGTERM to its
// supervisor, which stops the program) and waits for it to end.
func StopProcess(st *State, node, name string) error { return errTODO }

// StopNodeProcesses stops every supervised process of node.
func StopNodeProcesses(st *State, node string) error { return errTODO }

// Command returns a command that runs argv inside node's namespaces
// (network, UTS, and an instance's mount namespace). An unknown node gives
// a Cmd whose Err is set, so Run/Output/Start report it.
func Command(st *State, node string, argv ...string) *exec.Cmd { return &exec.Cmd{Err: errTODO} }

// Exec replaces the running program with argv inside node's namespaces, so
// stdin, the terminal and the exit status pass through unchanged.
func Exec(st *State, node string, argv ...string) error { return errTODO }

// Status reads the share's nodes live from the kernel and the supervisors'
// status files.
func Status(st *State) (*LabStatus, error) { return nil, errTODO }

// MarkUp records that the share is fully up (every `up` stage ran).
func MarkUp(st *State) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.Phase = PhaseUp
	return saveStateLocked(st)
}
