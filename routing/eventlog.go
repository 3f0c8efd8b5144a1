package routing

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// DefaultEventLogMax is the size at which an event log rotates: the file
// is renamed to PATH.1 (replacing the previous one) and a new one started,
// so a router's timeline never holds more than about twice this.
const DefaultEventLogMax = 4 << 20

// EventLog appends events as JSON lines to a file, keeps counters per kind
// and the time of the last routing change. It is safe for concurrent use.
type EventLog struct {
	node   string
	path   string
	max    int64
	now    func() time.Time
	mu     sync.Mutex // guards everything below
	f      *os.File
	w      *bufio.Writer
	flush  *time.Timer // pending flush of w, nil when none
	size   int64
	counts map[EventKind]uint64
	last   time.Time
	line   []byte // encoding buffer, reused
}

// NewEventLog opens (appending) the event log at path for node. max is the
// rotation size in bytes (0: DefaultEventLogMax). path "" keeps counters
// only.
func NewEventLog(path, node string, max int64) (*EventLog, error) {
	if max <= 0 {
		max = DefaultEventLogMax
	}
	l := &EventLog{node: node, path: path, max: max, now: time.Now, counts: map[EventKind]uint64{}}
	if path != "" {
		if err := l.open(); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (l *EventLog) open() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open event log: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("stat event log: %w", err)
	}
	l.f, l.size = f, st.Size()
	l.w = bufio.NewWriterSize(f, 64<<10)
	return nil
}

// Emit records e, filling Time and Node when zero. Write errors are
// dropped: the timeline is diagnostic and must never stop a daemon.
func (l *EventLog) Emit(e Event) {
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	if e.Node == "" {
		e.Node = l.node
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts[e.Kind]++
	if e.Kind.IsRoutingChange() && e.Time.After(l.last) {
		l.last = e.Time
	}
	if l.f == nil {
		return
	}
	// One event per installed route at table-load rates: encode into a
	// buffer reused under the lock, not through reflection.
	l.line = append(e.AppendJSON(l.line[:0]), '\n')
	line := l.line
	if l.size+int64(len(line)) > l.max {
		_ = l.w.Flush()
		l.f.Close()
		l.f = nil
		_ = os.Rename(l.path, l.path+".1")
		if l.open() != nil {
			return
		}
	}
	n, _ := l.w.Write(line)
	l.size += int64(n)
	// Bursts (thousands of routes) cost one write per 64 KiB; a reader
	// following the file sees each event within flushDelay.
	if l.flush == nil {
		l.flush = time.AfterFunc(flushDelay, l.flushNow)
	}
}

// flushDelay bounds how long an event stays in the buffer.
const flushDelay = 100 * time.Millisecond

func (l *EventLog) flushNow() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flush = nil
	if l.w != nil && l.f != nil {
		_ = l.w.Flush()
	}
}

// Counts returns a copy of the number of events seen per kind.
func (l *EventLog) Counts() map[EventKind]uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := make(map[EventKind]uint64, len(l.counts))
	for k, v := range l.counts {
		c[k] = v
	}
	return c
}

// LastChange is the time of the last event that changed a RIB or the
// kernel table (zero when none yet): convergence is "no change since".
func (l *EventLog) LastChange() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// Close closes the file.
func (l *EventLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.flush != nil {
		l.flush.Stop()
		l.flush = nil
	}
	if l.f == nil {
		return nil
	}
	ferr := l.w.Flush()
	err := l.f.Close()
	l.f = nil
	return errors.Join(ferr, err)
}
