// Package imds is netemu's instance metadata service (IMDSv2), run by
// `netemu supervise` inside a VPC router at 169.254.169.254, as AWS runs
// it beside every instance. It knows the instances of its VPC by private
// IP, so each instance sees only its own metadata. The configuration file
// is re-read when it changes: netemu rewrites it when an instance's public
// IP changes (instance stop/start).
package imds

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config is the service's configuration file.
type Config struct {
	// Listen is the address to serve on (169.254.169.254:80).
	Listen string `json:"listen"`
	// Instances by private IPv4.
	Instances map[string]Instance `json:"instances"`
}

// Instance is what the service tells one instance about itself.
type Instance struct {
	Name             string   `json:"name"`
	InstanceID       string   `json:"instance_id"`
	LocalIPv4        string   `json:"local_ipv4"`
	PublicIPv4       string   `json:"public_ipv4,omitempty"`
	LocalHostname    string   `json:"local_hostname"`
	PublicHostname   string   `json:"public_hostname,omitempty"`
	MAC              string   `json:"mac"`
	SecurityGroups   []string `json:"security_groups,omitempty"`
	AvailabilityZone string   `json:"availability_zone"`
	Region           string   `json:"region"`
	UserData         string   `json:"user_data,omitempty"`
	// IMDS is "v2" (token required) or "v1" (token optional).
	IMDS string `json:"imds"`
}

// HTTP headers of IMDSv2.
const (
	HeaderToken    = "X-aws-ec2-metadata-token"
	HeaderTokenTTL = "X-aws-ec2-metadata-token-ttl-seconds"
	// MaxTokenTTL is AWS's limit on a token's lifetime (6 hours).
	MaxTokenTTL = 21600
)

// Server answers metadata requests. Now and the config source are
// injected so tests need neither a clock nor a file.
type Server struct {
	// Load returns the current configuration.
	Load func() (*Config, error)
	Now  func() time.Time

	mu     sync.Mutex
	tokens map[string]token
}

type token struct {
	ip      string
	expires time.Time
}

// NewServer returns a server reading its configuration with load.
func NewServer(load func() (*Config, error)) *Server {
	return &Server{Load: load, Now: time.Now, tokens: map[string]token{}}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "EC2ws")
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		http.Error(w, "bad remote address", http.StatusBadRequest)
		return
	}
	cfg, err := s.Load()
	if err != nil {
		http.Error(w, "metadata unavailable", http.StatusInternalServerError)
		return
	}
	inst, ok := cfg.Instances[ip]
	if !ok {
		http.Error(w, "Forbidden", http.StatusForbidden)
		return
	}
	if r.URL.Path == "/latest/api/token" {
		s.putToken(w, r, ip)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	if t := r.Header.Get(HeaderToken); t != "" || inst.IMDS != "v1" {
		if !s.validToken(t, ip) {
			// As AWS: a missing or expired token is 401 on v2.
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
	}
	body, ok := Lookup(inst, r.URL.Path)
	if !ok {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprint(w, body)
}

func (s *Server) putToken(w http.ResponseWriter, r *http.Request, ip string) {
	if r.Method != http.MethodPut {
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	// AWS refuses token requests that went through a proxy.
	if r.Header.Get("X-Forwarded-For") != "" {
		http.Error(w, "Forbidden", http.StatusForbidden)
		return
	}
	ttl, err := strconv.Atoi(r.Header.Get(HeaderTokenTTL))
	if err != nil || ttl < 1 || ttl > MaxTokenTTL {
		http.Error(w, "Bad Request", http.StatusBadRequest)
		return
	}
	b := make([]byte, 40)
	if _, err := rand.Read(b); err != nil {
		http.Error(w, "token", http.StatusInternalServerError)
		return
	}
	t := base64.RawURLEncoding.EncodeToString(b)
	now := s.Now()
	s.mu.Lock()
	for k, v := range s.tokens {
		if now.After(v.expires) {
			delete(s.tokens, k)
		}
	}
	s.tokens[t] = token{ip: ip, expires: now.Add(time.Duration(ttl) * time.Second)}
	s.mu.Unlock()
	w.Header().Set(HeaderTokenTTL, strconv.Itoa(ttl))
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprint(w, t)
}

func (s *Server) validToken(t, ip string) bool {
	if t == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.tokens[t]
	return ok && v.ip == ip && s.Now().Before(v.expires)
}

// metaData are the leaves under latest/meta-data/ this service knows.
func metaData(in Instance) map[string]string {
	m := map[string]string{
		"instance-id":                 in.InstanceID,
		"local-ipv4":                  in.LocalIPv4,
		"local-hostname":              in.LocalHostname,
		"hostname":                    in.LocalHostname,
		"mac":                         in.MAC,
		"placement/availability-zone": in.AvailabilityZone,
		"placement/region":            in.Region,
		"security-groups":             strings.Join(in.SecurityGroups, "\n"),
		"network/interfaces/macs/" + in.MAC + "/local-ipv4s": in.LocalIPv4,
	}
	if in.PublicIPv4 != "" {
		m["public-ipv4"] = in.PublicIPv4
		m["public-hostname"] = in.PublicHostname
	}
	return m
}

// Lookup answers a GET of path for inst: a leaf's value, or a directory's
// listing (children, one per line, directories with a trailing slash) as
// AWS does. ok is false for what does not exist (404).
func Lookup(inst Instance, path string) (string, bool) {
	switch path {
	case "/", "/latest", "/latest/":
		if path == "/" {
			return "latest\n", true
		}
		list := []string{"dynamic", "meta-data"}
		if inst.UserData != "" {
			list = append(list, "user-data")
		}
		return strings.Join(list, "\n"), true
	case "/latest/user-data":
		return inst.UserData, inst.UserData != ""
	}
	rest, ok := strings.CutPrefix(path, "/latest/meta-data")
	if !ok {
		return "", false
	}
	rest = strings.TrimPrefix(rest, "/")
	md := metaData(inst)
	if v, ok := md[rest]; ok && !strings.HasSuffix(rest, "/") {
		return v, true
	}
	dir := rest
	if dir != "" && !strings.HasSuffix(dir, "/") {
		dir += "/"
	}
	seen := map[string]bool{}
	for k := range md {
		if c, ok := strings.CutPrefix(k, dir); ok {
			if i := strings.IndexByte(c, '/'); i >= 0 {
				c = c[:i+1]
			}
			seen[c] = true
		}
	}
	if len(seen) == 0 {
		return "", false
	}
	var list []string
	for c := range seen {
		list = append(list, c)
	}
	sort.Strings(list)
	return strings.Join(list, "\n"), true
}

// FileLoader loads the configuration from path, again only when the file
// changed.
func FileLoader(path string) func() (*Config, error) {
	var (
		mu    sync.Mutex
		cfg   *Config
		mtime time.Time
		size  int64
	)
	return func() (*Config, error) {
		mu.Lock()
		defer mu.Unlock()
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("imds config: %w", err)
		}
		if cfg != nil && fi.ModTime().Equal(mtime) && fi.Size() == size {
			return cfg, nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("imds config: %w", err)
		}
		c := &Config{}
		if err := json.Unmarshal(data, c); err != nil {
			return nil, fmt.Errorf("imds config %s: %w", path, err)
		}
		cfg, mtime, size = c, fi.ModTime(), fi.Size()
		return cfg, nil
	}
}
