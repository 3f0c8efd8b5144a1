package svc

import (
	"strings"
	"testing"
)

// FuzzBuildAccounts: whatever the host's account files hold, the view's
// files either are refused or parse back, keep every host account but a
// host "ec2-user", and hold exactly one login user.
func FuzzBuildAccounts(f *testing.F) {
	f.Add(hostPasswd, hostGroup)
	f.Add("", "")
	f.Add("root:x:0:0::/root:/bin/sh\n# comment\n\n", "root:x:0:\n")
	f.Fuzz(func(t *testing.T, passwd, group string) {
		vf, err := BuildAccounts(passwd, group)
		if err != nil {
			return
		}
		got, err := parseColonFile(vf.Passwd, 7)
		if err != nil {
			t.Fatalf("view passwd does not parse: %v\n%s", err, vf.Passwd)
		}
		if _, err := parseColonFile(vf.Group, 4); err != nil {
			t.Fatalf("view group does not parse: %v\n%s", err, vf.Group)
		}
		if _, err := parseColonFile(vf.Shadow, 9); err != nil {
			t.Fatalf("view shadow does not parse: %v\n%s", err, vf.Shadow)
		}
		n := 0
		for _, fs := range got {
			if fs[0] == LoginUser {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d %s entries", n, LoginUser)
		}
		host, _ := parseColonFile(passwd, 7)
		for _, fs := range host {
			if fs[0] != LoginUser && !strings.Contains(vf.Passwd, strings.Join(fs, ":")+"\n") {
				t.Fatalf("host account %q lost", fs[0])
			}
		}
		u, ok := LookupAccount(vf.Passwd, LoginUser)
		if !ok || u.UID != vf.User.UID {
			t.Fatalf("login user %+v, lookup %+v %v", vf.User, u, ok)
		}
	})
}
