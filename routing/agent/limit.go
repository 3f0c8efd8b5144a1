package agent

import (
	"net/http"
	"sync"
	"time"
)

// Caps on the control socket: whoever can reach it is root (the socket
// and its directory are root's), but a runaway script must not make the
// agent read without bound or starve its routing daemons.
const (
	maxRequestBody     = 1 << 20 // no request needs more
	maxRequestHeader   = 64 << 10
	maxConcurrent      = 16  // requests being served at once
	maxRequestsPerSec  = 500 // a fixed one-second window
	requestReadTimeout = 30 * time.Second
)

// requestLimiter applies the caps: too many at once is 503, too many in
// a second is 429, a body over maxRequestBody fails its read.
type requestLimiter struct {
	next http.Handler
	sem  chan struct{}
	now  func() time.Time

	mu     sync.Mutex
	window time.Time
	count  int
}

func limitRequests(next http.Handler) *requestLimiter {
	return &requestLimiter{next: next, sem: make(chan struct{}, maxConcurrent), now: time.Now}
}

func (l *requestLimiter) allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.window) >= time.Second {
		l.window, l.count = now, 0
	}
	l.count++
	return l.count <= maxRequestsPerSec
}

func (l *requestLimiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !l.allow() {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return
	}
	select {
	case l.sem <- struct{}{}:
		defer func() { <-l.sem }()
	default:
		http.Error(w, "too many requests at once", http.StatusServiceUnavailable)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	l.next.ServeHTTP(w, r)
}
