package impair

import (
	"context"
	"encoding/binary"

	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/unix"
)

// LineOptions say which end a delay line serves. It runs inside the
// end's network namespace (`netemu impair-line`, supervised there).
type LineOptions struct {
	Iface  string // the end: frames leave through it
	Tap    string // the TAP the egress program redirects to (TapName)
	Config LineConfig
	Log    hclog.Logger
	// Stats, when set, gets the line's counters every second and at exit.
	Stats func(Stats)
}

// RunLine moves frames from the TAP to the end, each after its delay,
// until ctx ends. Frames waiting when it ends are dropped, as a netem
// qdisc's are when it is replaced. It is meant for a process of its own
// (`netemu link delay-line`), which exits when it returns.
func RunLine(ctx context.Context, o LineOptions) error {
	log := o.Log
	if log == nil {
		log = hclog.NewNullLogger()
	}
	ifc, err := net.InterfaceByName(o.Iface)
	if err != nil {
		return fmt.Errorf("delay line: %w", err)
	}
	tap, err := openTap(o.Tap)
	if err != nil {
		return fmt.Errorf("delay line: %w", err)
	}
	// The TAP stays open until the process ends: a read may still be
	// blocked on it when RunLine returns (see the reader below).
	out, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0) // protocol 0: receives nothing
	if err != nil {
		return fmt.Errorf("delay line: packet socket: %w", err)
	}
	defer unix.Close(out)
	if err := unix.SetsockoptInt(out, unix.SOL_SOCKET, unix.SO_MARK, Mark); err != nil {
		return fmt.Errorf("delay line: SO_MARK: %w", err)
	}
	_ = unix.SetsockoptInt(out, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, 4<<20)

	line := NewLine(o.Config, rand.Uint64())
	var mu sync.Mutex
	wake := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readErr := make(chan error, 1)
	go func() {
		// A blocking read on a thread of its own: one system call per
		// frame, where the runtime's poller would add a wake-up and an
		// EAGAIN per frame at a few thousand frames a second. The process
		// ends when RunLine returns, which ends a read still blocked.
		runtime.LockOSThread()
		buf := make([]byte, 65536)
		for {
			n, err := unix.Read(tap, buf)
			if err == unix.EINTR || err == unix.EAGAIN {
				continue
			}
			if err != nil {
				readErr <- err
				cancel()
				return
			}
			frame := append([]byte(nil), buf[:n]...)
			mu.Lock()
			head, had := line.Next()
			line.Push(time.Now(), frame)
			next, _ := line.Next()
			mu.Unlock()
			// The sender sleeps until the head's time: only a new head
			// (an empty line, a reordered or jittered-early frame) needs
			// to wake it, which saves a wake-up per frame at a steady delay.
			if !had || next.Before(head) {
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}
	}()
	log.Info("delay line running", "iface", o.Iface, "tap", o.Tap, "delay", o.Config.Delay, "jitter", o.Config.Jitter)

	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	report := time.NewTicker(time.Second)
	defer report.Stop()
	var sendErrs uint64
	for {
		mu.Lock()
		due := line.Pop(time.Now())
		next, ok := line.Next()
		stats := line.Stats
		mu.Unlock()
		for _, f := range due {
			if err := send(out, ifc.Index, f); err != nil {
				if sendErrs++; sendErrs == 1 || sendErrs%10000 == 0 {
					log.Warn("send failed", "error", err, "count", sendErrs)
				}
			}
		}
		wait := time.Hour
		if ok {
			wait = time.Until(next)
		}
		if wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				if o.Stats != nil {
					o.Stats(stats)
				}
				select {
				case err := <-readErr:
					return fmt.Errorf("delay line: read %s: %w", o.Tap, err)
				default:
				}
				return nil
			case <-wake:
			case <-timer.C:
			case <-report.C:
				if o.Stats != nil {
					o.Stats(stats)
				}
			}
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
	}
}

// send writes one Ethernet frame out of ifindex.
func send(fd, ifindex int, frame []byte) error {
	if len(frame) < 14 {
		return nil
	}
	proto := binary.BigEndian.Uint16(frame[12:14])
	sa := &unix.SockaddrLinklayer{Ifindex: ifindex, Protocol: proto<<8 | proto>>8}
	return unix.Sendto(fd, frame, 0, sa)
}

// openTap attaches to the persistent TAP name (made by Apply) and
// returns its descriptor, blocking.
func openTap(name string) (int, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("attach to %s: %w", name, err)
	}
	return fd, nil
}
