package routewatch

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/netemu/netemu/routing"
)

// BGPDaemon is the Daemon of session events read from FRR's bgpd log.
const BGPDaemon = "bgpd"

// adjChange is bgpd's neighbor change line (bgp log-neighbor-changes,
// log timestamp precision 3), e.g.
//
//	2026/11/25 01:44:18.784 BGP: [PXVXG-TFNNT] %ADJCHANGE: neighbor 100.64.0.10(c1) in vrf default Down Interface down
var adjChange = regexp.MustCompile(`^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)?) BGP: (?:\[[^\]]*\] )?%ADJCHANGE: neighbor ([0-9A-Fa-f.:]+)(?:\([^)]*\))? in vrf \S+ (Up|Down)\s*(.*)$`)

// ParseBGPLogLine turns a bgpd log line about a session going up or down
// into a timeline event; bgpd writes its times in loc (the machine's zone).
func ParseBGPLogLine(line string, loc *time.Location) (routing.Event, bool) {
	m := adjChange.FindStringSubmatch(strings.TrimRight(line, "\r\n"))
	if m == nil {
		return routing.Event{}, false
	}
	t, err := time.ParseInLocation("2006/01/02 15:04:05.999999999", m[1], loc)
	if err != nil {
		return routing.Event{}, false
	}
	peer, err := netip.ParseAddr(m[2])
	if err != nil {
		return routing.Event{}, false
	}
	kind := routing.EventSessionUp
	if m[3] == "Down" {
		kind = routing.EventSessionDown
	}
	return routing.Event{Time: t, Daemon: BGPDaemon, Kind: kind, Peer: peer, Detail: m[4]}, true
}

// logPoll is how often FollowBGPLog looks for new lines: session changes
// show in the timeline this much late at most, with their own times.
const logPoll = 100 * time.Millisecond

// FollowBGPLog writes the session changes bgpd logs to path into events
// until ctx ends, from offset on (the log's size when a restarted watcher
// picks up again, 0 for one bgpd has not started writing yet). The file
// may appear after the call.
func FollowBGPLog(ctx context.Context, path string, offset int64, events routing.Emitter) error {
	var f *os.File
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	var r *bufio.Reader
	var partial string
	for {
		if f == nil {
			var err error
			f, err = os.Open(path)
			switch {
			case errors.Is(err, fs.ErrNotExist):
			case err != nil:
				return err
			default:
				if _, err := f.Seek(offset, io.SeekStart); err != nil {
					return err
				}
				r = bufio.NewReader(f)
			}
		}
		for r != nil {
			line, err := r.ReadString('\n')
			if err != nil {
				// A line still being written: keep it for the next read.
				partial += line
				break
			}
			if e, ok := ParseBGPLogLine(partial+line, time.Local); ok {
				events.Emit(e)
			}
			partial = ""
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(logPoll):
		}
	}
}
