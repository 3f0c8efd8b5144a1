package lab

import (
	"context"
	"errors"
	"fmt"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
)

// Lock takes the lock of st's share, as up and down do, and reads the
// share's state again under it: while we waited, another command may have
// taken the lab down or rebuilt it, and acting on the state read before
// the lock would race with it. The caller must call unlock, and must not
// call anything that takes the same lock again (the lock is per open
// file, so a second Lock in this process would wait forever).
func Lock(ctx context.Context, st *nodes.State) (fresh *nodes.State, unlock func(), err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	unlock, err = nodes.Lock(ctx, st.Lab, st.Machine)
	if err != nil {
		return nil, nil, err
	}
	fresh, err = nodes.LoadState(st.Lab, st.Machine)
	if err != nil {
		unlock()
		share := labpath.ShareName(st.Lab, st.Machine)
		if errors.Is(err, nodes.ErrNotUp) {
			return nil, nil, fmt.Errorf("lab %s is not up (it went down while this command waited for it)", share)
		}
		return nil, nil, fmt.Errorf("lab %s: %w", share, err)
	}
	return fresh, unlock, nil
}

// LockNode is Lock for a command on one node: the node must still be in
// the share once the lock is held.
func LockNode(ctx context.Context, st *nodes.State, node string) (*nodes.State, func(), error) {
	fresh, unlock, err := Lock(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	if _, err := fresh.Node(node); err != nil {
		unlock()
		return nil, nil, err
	}
	return fresh, unlock, nil
}

// SelectLocked is Share then Lock: the share q means, locked, as it is
// once the lock is held.
func SelectLocked(ctx context.Context, q Query) (*nodes.State, func(), error) {
	st, err := Share(q)
	if err != nil {
		return nil, nil, err
	}
	if q.Node != "" {
		return LockNode(ctx, st, q.Node)
	}
	return Lock(ctx, st)
}
