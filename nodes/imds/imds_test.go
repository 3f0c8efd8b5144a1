package imds

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

func testConfig() *Config {
	return &Config{Listen: "169.254.169.254:80", Instances: map[string]Instance{
		"10.0.1.10": {Name: "web", InstanceID: "i-0123456789abcdef0", LocalIPv4: "10.0.1.10", PublicIPv4: "203.0.113.129",
			LocalHostname: "ip-10-0-1-10.ec2.internal", PublicHostname: "ec2-203-0-113-129.compute-1.amazonaws.com",
			MAC: "02:00:0a:00:01:0a", SecurityGroups: []string{"web-sg", "ssh"}, AvailabilityZone: "us-east-1a", Region: "us-east-1",
			UserData: "#!/bin/sh\necho hi\n", IMDS: "v2"},
		"10.0.1.20": {Name: "db", InstanceID: "i-0fedcba9876543210", LocalIPv4: "10.0.1.20", LocalHostname: "ip-10-0-1-20.ec2.internal",
			MAC: "02:00:0a:00:01:14", AvailabilityZone: "us-east-1a", Region: "us-east-1", IMDS: "v1"},
	}}
}

type call struct {
	from, method, path string
	header             map[string]string
}

func do(t *testing.T, s *Server, c call) (int, string, http.Header) {
	t.Helper()
	r := httptest.NewRequest(c.method, c.path, nil)
	r.RemoteAddr = c.from + ":41000"
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b), w.Result().Header
}

func TestTokenFlow(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewServer(func() (*Config, error) { return testConfig(), nil })
	s.Now = func() time.Time { return now }
	web, db := "10.0.1.10", "10.0.1.20"
	code, tok, h := do(t, s, call{web, "PUT", "/latest/api/token", map[string]string{HeaderTokenTTL: "60"}})
	if code != 200 || tok == "" || h.Get(HeaderTokenTTL) != "60" {
		t.Fatalf("PUT token: %d %q %v", code, tok, h)
	}
	withTok := map[string]string{HeaderToken: tok}
	for _, tc := range []struct {
		name string
		c    call
		code int
		body string
	}{
		{"v2 without token", call{web, "GET", "/latest/meta-data/instance-id", nil}, 401, ""},
		{"v2 with token", call{web, "GET", "/latest/meta-data/instance-id", withTok}, 200, "i-0123456789abcdef0"},
		{"public-ipv4", call{web, "GET", "/latest/meta-data/public-ipv4", withTok}, 200, "203.0.113.129"},
		{"public-hostname", call{web, "GET", "/latest/meta-data/public-hostname", withTok}, 200, "ec2-203-0-113-129.compute-1.amazonaws.com"},
		{"az", call{web, "GET", "/latest/meta-data/placement/availability-zone", withTok}, 200, "us-east-1a"},
		{"security-groups", call{web, "GET", "/latest/meta-data/security-groups", withTok}, 200, "web-sg\nssh"},
		{"user-data", call{web, "GET", "/latest/user-data", withTok}, 200, "#!/bin/sh\necho hi\n"},
		{"listing", call{web, "GET", "/latest/meta-data/placement/", withTok}, 200, "availability-zone\nregion"},
		{"unknown leaf", call{web, "GET", "/latest/meta-data/nope", withTok}, 404, ""},
		{"token of another instance", call{db, "GET", "/latest/meta-data/instance-id", withTok}, 401, ""},
		{"bad token", call{web, "GET", "/latest/meta-data/instance-id", map[string]string{HeaderToken: "x"}}, 401, ""},
		{"v1 without token", call{db, "GET", "/latest/meta-data/local-ipv4", nil}, 200, "10.0.1.20"},
		{"no public ip", call{db, "GET", "/latest/meta-data/public-ipv4", nil}, 404, ""},
		{"no user data", call{db, "GET", "/latest/user-data", nil}, 404, ""},
		{"stranger", call{"10.0.1.99", "GET", "/latest/meta-data/instance-id", nil}, 403, ""},
		{"token without ttl", call{web, "PUT", "/latest/api/token", nil}, 400, ""},
		{"token ttl too long", call{web, "PUT", "/latest/api/token", map[string]string{HeaderTokenTTL: "21601"}}, 400, ""},
		{"token by GET", call{web, "GET", "/latest/api/token", map[string]string{HeaderTokenTTL: "60"}}, 405, ""},
		{"token through a proxy", call{web, "PUT", "/latest/api/token", map[string]string{HeaderTokenTTL: "60", "X-Forwarded-For": "1.2.3.4"}}, 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := do(t, s, tc.c)
			if code != tc.code || (tc.body != "" && body != tc.body) {
				t.Errorf("%s %s from %s: %d %q, want %d %q", tc.c.method, tc.c.path, tc.c.from, code, body, tc.code, tc.body)
			}
		})
	}
	now = now.Add(61 * time.Second)
	if code, _, _ := do(t, s, call{web, "GET", "/latest/meta-data/instance-id", withTok}); code != 401 {
		t.Errorf("expired token: %d, want 401", code)
	}
}

func TestLookupListing(t *testing.T) {
	in := testConfig().Instances["10.0.1.10"]
	got, ok := Lookup(in, "/latest/meta-data/")
	if !ok {
		t.Fatal("no listing")
	}
	for _, want := range []string{"instance-id", "local-ipv4", "public-ipv4", "public-hostname", "local-hostname", "mac", "security-groups", "placement/", "network/"} {
		if !strings.Contains("\n"+got+"\n", "\n"+want+"\n") {
			t.Errorf("listing lacks %q:\n%s", want, got)
		}
	}
}

func TestListenHopLimit(t *testing.T) {
	l, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	raw, err := l.(interface {
		SyscallConn() (syscall.RawConn, error)
	}).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var ttl int
	var gerr error
	raw.Control(func(fd uintptr) { ttl, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TTL) })
	if gerr != nil || ttl != HopLimit {
		t.Fatalf("IP_TTL = %d (%v), want %d", ttl, gerr, HopLimit)
	}
}
