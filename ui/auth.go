package ui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// The page gives root shells in every node, so it is guarded as Jupyter
// guards its notebooks: a random token in the URL printed once, swapped for
// an HttpOnly cookie on the first request, and loopback unless asked.

// DefaultListen is where the server listens unless told otherwise.
const DefaultListen = "127.0.0.1:8080"

// cookieName holds the token after the first visit.
const cookieName = "netemu_ui_token"

// NewToken returns a random token (128 bits, hex).
func NewToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("ui token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// CheckListen refuses a non-loopback address unless the user named it
// with --listen (explicit). An empty host ("":8080) means every address.
func CheckListen(addr string, explicit bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if isLoopback(host) || explicit {
		return nil
	}
	return fmt.Errorf("listen address %q is not loopback: the page gives root shells in every node; pass --listen %s explicitly to allow it", addr, addr)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// authorised reports whether r carries the token, in the query or the
// cookie. Comparisons take constant time.
func authorised(r *http.Request, token string) (viaQuery, ok bool) {
	if q := r.URL.Query().Get("token"); q != "" {
		return true, subtle.ConstantTimeCompare([]byte(q), []byte(token)) == 1
	}
	if c, err := r.Cookie(cookieName); err == nil {
		return false, subtle.ConstantTimeCompare([]byte(c.Value), []byte(token)) == 1
	}
	return false, false
}

// requireToken wraps h: 401 without the token; with a good token in the
// query, the cookie is set and the page is reloaded without it, so the
// token leaves the address bar and the browser history.
func requireToken(token string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		viaQuery, ok := authorised(r, token)
		if !ok {
			http.Error(w, "401 unauthorized: open the URL with ?token= that `netemu ui` printed", http.StatusUnauthorized)
			return
		}
		if viaQuery {
			http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			if r.Method == http.MethodGet && r.URL.Path == "/" {
				q := r.URL.Query()
				q.Del("token")
				u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
				http.Redirect(w, r, u.String(), http.StatusFound)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// sameOrigin checks a request's Origin against its Host: WebSockets and
// actions must come from the page itself, never from another site the
// user visits (cross-site WebSocket hijacking). A request without Origin
// (not a browser: curl, a test client) passes on the token alone.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Host, r.Host) && (u.Scheme == "http" || u.Scheme == "https")
}
