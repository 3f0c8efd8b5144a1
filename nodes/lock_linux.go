package nodes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/labpath"
)

// Lock takes the share's lock (labpath.RunDir()/LAB[@M].lock) so two commands
// never work on one share at once; it waits while another command holds
// it, until ctx ends. unlock removes the lock file and releases it.
func Lock(ctx context.Context, lab, machine string) (unlock func(), err error) {
	path := labpath.LockPath(lab, machine)
	if err := os.MkdirAll(labpath.RunDir(), 0o755); err != nil {
		return nil, fmt.Errorf("lock lab %s: %w", labpath.ShareName(lab, machine), err)
	}
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			return nil, fmt.Errorf("lock lab %s: %w", labpath.ShareName(lab, machine), err)
		}
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			// The holder before us may have removed the file after we
			// opened it: then our lock is on an orphan inode and a
			// third command could lock a new file. Retry until the lock
			// is on the file the path names.
			var a, b unix.Stat_t
			if unix.Fstat(int(f.Fd()), &a) == nil && unix.Stat(path, &b) == nil && a.Ino == b.Ino && a.Dev == b.Dev {
				return func() {
					os.Remove(path)
					f.Close()
				}, nil
			}
			f.Close()
			continue
		}
		f.Close()
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock lab %s: %w", labpath.ShareName(lab, machine), err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lock lab %s: another netemu command is working on it: %w", labpath.ShareName(lab, machine), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
