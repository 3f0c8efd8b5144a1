package bgp

import (
	"net"
	"os"
	"sync"
	"time"
)

// bufPipe is net.Pipe with buffered writes, as a TCP connection has: a
// write never waits for the other side to read (net.Pipe's rendezvous would
// deadlock two speakers that both send their OPEN first).
func bufPipe() (net.Conn, net.Conn) {
	ab, ba := newHalf(), newHalf()
	return &bufConn{r: ba, w: ab}, &bufConn{r: ab, w: ba}
}

type half struct {
	mu       sync.Mutex
	cond     *sync.Cond
	buf      []byte
	closed   bool
	deadline time.Time
}

func newHalf() *half {
	h := &half{}
	h.cond = sync.NewCond(&h.mu)
	return h
}

type bufConn struct {
	r, w *half
}

func (c *bufConn) Read(p []byte) (int, error) {
	h := c.r
	h.mu.Lock()
	defer h.mu.Unlock()
	for len(h.buf) == 0 {
		if h.closed {
			return 0, net.ErrClosed
		}
		if !h.deadline.IsZero() && time.Now().After(h.deadline) {
			return 0, os.ErrDeadlineExceeded
		}
		h.cond.Wait()
	}
	n := copy(p, h.buf)
	h.buf = h.buf[n:]
	return n, nil
}

func (c *bufConn) Write(p []byte) (int, error) {
	h := c.w
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return 0, net.ErrClosed
	}
	h.buf = append(h.buf, p...)
	h.cond.Broadcast()
	return len(p), nil
}

func (c *bufConn) Close() error {
	for _, h := range []*half{c.r, c.w} {
		h.mu.Lock()
		h.closed = true
		h.cond.Broadcast()
		h.mu.Unlock()
	}
	return nil
}

func (c *bufConn) LocalAddr() net.Addr  { return &net.TCPAddr{} }
func (c *bufConn) RemoteAddr() net.Addr { return &net.TCPAddr{} }

func (c *bufConn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return nil
}

func (c *bufConn) SetReadDeadline(t time.Time) error {
	h := c.r
	h.mu.Lock()
	h.deadline = t
	h.mu.Unlock()
	if !t.IsZero() {
		time.AfterFunc(time.Until(t)+time.Millisecond, func() {
			h.mu.Lock()
			h.cond.Broadcast()
			h.mu.Unlock()
		})
	}
	return nil
}

func (c *bufConn) SetWriteDeadline(time.Time) error { return nil }
