package svc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/inns"
)

// setupView enters the instance's persistent mount namespace on a
// throw-away OS thread and mounts the view: bind mounts over /etc files,
// /home, /var/log …, then a private tmpfs on /run (sshd's privilege
// separation dir, MariaDB's socket and OpenSMTPD's control socket are at
// fixed /run paths and would collide between instances), then netemu's own
// run directory again at its path, so the node dirs stay reachable.
//
// The namespace keeps the view after the thread is gone; doing it again is
// a no-op (a marker file in the private /run says it is done), so instance
// stop/start does not stack mounts.
func setupView(v viewSpec) error {
	// A mount namespace, which pkg/ns cannot enter: the thread unshares its
	// fs attributes and never goes back, so it is retired with fn.
	return inns.OnRetiredThread(func() error { return enterAndMount(v) })
}

func enterAndMount(v viewSpec) error {
	// setns into a mount namespace refuses a thread sharing its fs
	// attributes (cwd, root) with others, as every Go thread does.
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return fmt.Errorf("unshare fs: %w", err)
	}
	fd, err := unix.Open(v.mntNS, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open mount namespace %s: %w", v.mntNS, err)
	}
	defer unix.Close(fd)
	self, err := os.Readlink("/proc/thread-self/ns/mnt")
	if err != nil {
		return fmt.Errorf("read own mount namespace: %w", err)
	}
	if err := unix.Setns(fd, unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("enter mount namespace %s: %w", v.mntNS, err)
	}
	// Refuse to mount anything if the file was not a different namespace
	// (e.g. a plain file left behind): the mounts would land on the host.
	now, err := os.Readlink("/proc/thread-self/ns/mnt")
	if err != nil || now == self {
		return fmt.Errorf("mount namespace %s: not a separate mount namespace (%s)", v.mntNS, now)
	}
	if _, err := os.Stat(viewMarkerFile); err == nil {
		return nil
	}
	// Nothing mounted here may propagate back to the host's namespace,
	// whatever propagation the namespace was created with.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
		return fmt.Errorf("make / a slave mount: %w", err)
	}
	keep, err := unix.Open(v.keepDir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", v.keepDir, err)
	}
	defer unix.Close(keep)
	var before unix.Stat_t
	if err := unix.Fstat(keep, &before); err != nil {
		return fmt.Errorf("stat %s: %w", v.keepDir, err)
	}
	for _, b := range v.binds {
		if _, err := os.Stat(b.dst); errors.Is(err, fs.ErrNotExist) {
			// Creating mount points would change the host's tree (the
			// namespaces share the file system): skip what the host lacks.
			continue
		}
		if err := unix.Mount(b.src, b.dst, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind %s on %s: %w", b.src, b.dst, err)
		}
	}
	if err := unix.Mount("tmpfs", viewRun, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755"); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", viewRun, err)
	}
	for _, d := range v.runDirs {
		if err := os.MkdirAll(d.path, d.perm); err != nil {
			return fmt.Errorf("create %s: %w", d.path, err)
		}
		if err := os.Lchown(d.path, d.uid, d.gid); err != nil {
			return fmt.Errorf("chown %s: %w", d.path, err)
		}
	}
	// If the mounts above covered netemu's run directory, put it back.
	var after unix.Stat_t
	if err := unix.Stat(v.keepDir, &after); err != nil || after.Dev != before.Dev || after.Ino != before.Ino {
		if err := os.MkdirAll(v.keepDir, 0o755); err != nil {
			return fmt.Errorf("create %s in view: %w", v.keepDir, err)
		}
		src := "/proc/self/fd/" + strconv.Itoa(keep)
		if err := unix.Mount(src, v.keepDir, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind %s back: %w", v.keepDir, err)
		}
	}
	if err := os.WriteFile(viewMarkerFile, nil, 0o644); err != nil {
		return fmt.Errorf("mark view: %w", err)
	}
	return nil
}
