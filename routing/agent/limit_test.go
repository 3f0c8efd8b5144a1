package agent

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRequestLimiter(t *testing.T) {
	release := make(chan struct{})
	var entered sync.WaitGroup
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			entered.Done()
			<-release
			return
		}
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		}
	})
	now := time.Unix(1000, 0)
	l := limitRequests(h)
	l.now = func() time.Time { return now }
	do := func(method, path, body string) int {
		rec := httptest.NewRecorder()
		l.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		return rec.Code
	}

	// Body over the cap.
	if c := do("POST", "/x", strings.Repeat("a", maxRequestBody+1)); c != http.StatusRequestEntityTooLarge {
		t.Errorf("big body: %d", c)
	}
	if c := do("POST", "/x", "small"); c != http.StatusOK {
		t.Errorf("small body: %d", c)
	}

	// Concurrency: maxConcurrent blocked, the next is refused at once.
	entered.Add(maxConcurrent)
	var done sync.WaitGroup
	for range maxConcurrent {
		done.Add(1)
		go func() { defer done.Done(); do("GET", "/block", "") }()
	}
	entered.Wait()
	if c := do("GET", "/x", ""); c != http.StatusServiceUnavailable {
		t.Errorf("over concurrency: %d", c)
	}
	close(release)
	done.Wait()

	// Rate: the window is full, then a new second starts.
	now = now.Add(time.Second)
	for i := range maxRequestsPerSec {
		if c := do("GET", "/x", ""); c != http.StatusOK {
			t.Fatalf("request %d: %d", i, c)
		}
	}
	if c := do("GET", "/x", ""); c != http.StatusTooManyRequests {
		t.Errorf("over rate: %d", c)
	}
	now = now.Add(time.Second)
	if c := do("GET", "/x", ""); c != http.StatusOK {
		t.Errorf("next second: %d", c)
	}
}
