package svc

import (
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/topo"
)

func TestRegistryAgreesWithTopo(t *testing.T) {
	got, want := KnownKinds(), topo.ServiceKinds()
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("svc kinds %v, topo kinds %v: keep them in sync", got, want)
	}
}

func TestLookupKindUnknownListsKnown(t *testing.T) {
	_, err := LookupKind("postgres")
	if err == nil {
		t.Fatal("want an error")
	}
	for _, k := range KnownKinds() {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error %q does not list %q", err, k)
		}
	}
}

// fakeFS answers stat for a fixed set of executables.
type fakeFS map[string]bool

func (f fakeFS) stat(p string) (os.FileInfo, error) {
	if f[p] {
		return fakeInfo{}, nil
	}
	return nil, fs.ErrNotExist
}

func (f fakeFS) lookPath(p string) (string, error) {
	if f["/usr/bin/"+p] {
		return "/usr/bin/" + p, nil
	}
	return "", errors.New("not found")
}

type fakeInfo struct{}

func (fakeInfo) Name() string       { return "x" }
func (fakeInfo) Size() int64        { return 1 }
func (fakeInfo) Mode() fs.FileMode  { return 0o755 }
func (fakeInfo) ModTime() time.Time { return time.Time{} }
func (fakeInfo) IsDir() bool        { return false }
func (fakeInfo) Sys() any           { return nil }

func TestPreflight(t *testing.T) {
	all := fakeFS{"/usr/sbin/sshd": true, "/usr/sbin/smtpd": true, "/usr/sbin/mariadbd": true,
		"/usr/bin/mariadb-install-db": true, "/usr/bin/nsenter": true, "/usr/bin/setpriv": true,
		"/usr/bin/sleep": true, SendmailBinary: true, "/usr/bin/m4": true, "/sbin/dhclient": true,
		"/usr/sbin/chronyd": true, "/usr/bin/sudo": true, "/usr/sbin/ip": true, "/usr/sbin/dnsmasq": true}
	without := func(p string) fakeFS {
		f := fakeFS{}
		for k, v := range all {
			f[k] = v && k != p
		}
		return f
	}
	inst := func(svcs []string, procs ...*topo.Process) *topo.Lab {
		n := &topo.Node{Name: "web", Kind: topo.KindInstance, Processes: procs}
		for _, s := range svcs {
			n.Services = append(n.Services, &topo.Service{Kind: s})
		}
		return &topo.Lab{Name: "t", Nodes: []*topo.Node{n}}
	}
	tests := []struct {
		name    string
		lab     *topo.Lab
		fs      fakeFS
		wantErr []string
	}{
		{"all installed", inst([]string{"sshd", "smtp", "mariadb"}), all, nil},
		{"no mariadb", inst([]string{"mariadb"}), without("/usr/sbin/mariadbd"),
			[]string{"service mariadb needs /usr/sbin/mariadbd (Debian package mariadb-server)"}},
		{"no sshd", inst([]string{"sshd"}), without("/usr/sbin/sshd"), []string{"openssh-server"}},
		{"unknown kind", inst([]string{"postgres"}), all, []string{`unknown service kind "postgres"`, "sshd, smtp, mariadb"}},
		{"process ok by name", inst(nil, &topo.Process{Name: "app", Command: []string{"sleep", "1"}}), all, nil},
		{"process missing abs", inst(nil, &topo.Process{Name: "app", Command: []string{"/opt/nope"}}), all,
			[]string{`process "app": program /opt/nope`}},
		{"process missing name", inst(nil, &topo.Process{Name: "app", Command: []string{"nope"}}), all,
			[]string{`"nope" not found in PATH`}},
		{"process named like a service", inst([]string{"sshd"}, &topo.Process{Name: "sshd", Command: []string{"sleep"}}), all,
			[]string{`process "sshd" has the name of service sshd's process`}},
		{"no nsenter", inst([]string{"sshd"}), without("/usr/bin/nsenter"), []string{"util-linux"}},
		{"no sendmail", inst([]string{"smtp"}), without(SendmailBinary), []string{"service smtp needs " + SendmailBinary, "sendmail-bin"}},
		{"opensmtpd needs no sendmail", &topo.Lab{Nodes: []*topo.Node{{Name: "web", Kind: topo.KindInstance,
			Services: []*topo.Service{{Kind: "smtp", MTA: topo.MTAOpenSMTPD}}}}}, without(SendmailBinary), nil},
		{"no dhclient", inst(nil), without("/sbin/dhclient"), []string{"an instance's system needs /sbin/dhclient (Debian package isc-dhcp-client)"}},
		{"vpc router needs dnsmasq", &topo.Lab{Nodes: []*topo.Node{{Name: "prod-router", Kind: topo.KindVPCRouter}}}, without("/usr/sbin/dnsmasq"),
			[]string{"dnsmasq-base"}},
		{"nothing to run needs nothing", &topo.Lab{Nodes: []*topo.Node{{Name: "r", Kind: topo.KindRouter}}}, fakeFS{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Preflight(tt.lab, tt.fs.stat, tt.fs.lookPath)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want error containing %q", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
