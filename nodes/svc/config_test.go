package svc

import (
	"strings"
	"testing"
)

func TestSSHDConfig(t *testing.T) {
	got := SSHDConfig{HostKeys: []string{"/n/sshd/ssh_host_ed25519_key"}, PidFile: "/run/sshd.pid", Port: 22}.Render()
	for _, want := range []string{
		"Port 22\n", "ListenAddress 0.0.0.0\n", "HostKey /n/sshd/ssh_host_ed25519_key\n",
		"PidFile /run/sshd.pid\n", "PasswordAuthentication no\n", "KbdInteractiveAuthentication no\n",
		"PermitRootLogin no\n", "PubkeyAuthentication yes\n", "UsePAM no\n",
		"AuthorizedKeysFile .ssh/authorized_keys\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("sshd_config lacks %q:\n%s", want, got)
		}
	}
	// sshd takes the first value of a repeated keyword: each once.
	seen := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(got), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		k := strings.Fields(l)[0]
		if seen[k] && k != "HostKey" {
			t.Errorf("keyword %s repeated", k)
		}
		seen[k] = true
	}
}

func TestSMTPDConfListensOnLoopbackOnly(t *testing.T) {
	got := SMTPDConf("ip-10-0-1-10")
	var listens []string
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "listen ") {
			listens = append(listens, l)
		}
	}
	if len(listens) != 1 || listens[0] != "listen on 127.0.0.1 port 25 hostname ip-10-0-1-10" {
		t.Fatalf("listen lines %q", listens)
	}
}

func TestMyCnf(t *testing.T) {
	got := MyCnf()
	for _, want := range []string{"[mysqld]\n", "datadir = /var/lib/mysql\n", "bind-address = 0.0.0.0\n",
		"port = 3306\n", "socket = /run/mysqld/mysqld.sock\n", "skip-name-resolve\n", "user = mysql\n",
		"init-file = /var/lib/mysql/netemu-init.sql\n", "tmpdir = /run/mysqld\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("my.cnf lacks %q:\n%s", want, got)
		}
	}
}

func TestMariaDBInitSQLQuotes(t *testing.T) {
	got := MariaDBInitSQL(`a'b\c`)
	if !strings.Contains(got, `IDENTIFIED BY 'a\'b\\c'`) {
		t.Fatalf("password not quoted:\n%s", got)
	}
	if !strings.Contains(got, "CREATE USER IF NOT EXISTS 'app'@'%'") {
		t.Fatalf("no idempotent user creation:\n%s", got)
	}
}

const hostPasswd = `root:x:0:0:root:/root:/bin/bash
sshd:x:107:65534::/run/sshd:/usr/sbin/nologin
mysql:x:102:105:MySQL Server,,,:/nonexistent:/bin/false
cloudsdk:x:1000:1000::/home/cloudsdk:/bin/bash
ec2-user:x:4242:4242::/home/ec2-user:/bin/sh
`

const hostGroup = `root:x:0:
mysql:x:105:
cloudsdk:x:1000:
odd:x:1001:
ec2-user:x:4242:
`

func TestBuildAccounts(t *testing.T) {
	vf, err := BuildAccounts(hostPasswd, hostGroup)
	if err != nil {
		t.Fatal(err)
	}
	// 1000 is a host user's, 1001 a host group's: the first free id is 1002.
	wantLine := "ec2-user:x:1002:1002:EC2 Default User:/home/ec2-user:/bin/bash"
	if !strings.Contains(vf.Passwd, wantLine+"\n") {
		t.Errorf("passwd lacks %q:\n%s", wantLine, vf.Passwd)
	}
	if strings.Count("\n"+vf.Passwd, "\nec2-user:") != 1 || strings.Count("\n"+vf.Group, "\nec2-user:") != 1 {
		t.Errorf("ec2-user not exactly once:\n%s\n%s", vf.Passwd, vf.Group)
	}
	for _, keep := range []string{"root:x:0:0:root:/root:/bin/bash\n", "sshd:x:107:65534::/run/sshd:/usr/sbin/nologin\n", "mysql:x:102:"} {
		if !strings.Contains(vf.Passwd, keep) {
			t.Errorf("passwd lost system account %q", keep)
		}
	}
	if !strings.Contains(vf.Group, "ec2-user:x:1002:\n") {
		t.Errorf("group:\n%s", vf.Group)
	}
	for _, l := range strings.Split(strings.TrimSpace(vf.Shadow), "\n") {
		f := strings.Split(l, ":")
		if len(f) != 9 || f[1] != "*" {
			t.Errorf("shadow line %q: want 9 fields and a '*' password", l)
		}
	}
	a, ok := LookupAccount(vf.Passwd, "ec2-user")
	if !ok || a.UID != 1002 || a.Home != "/home/ec2-user" || a.Shell != "/bin/bash" {
		t.Errorf("LookupAccount = %+v, %v", a, ok)
	}
}

func TestBuildAccountsRejectsMangledFile(t *testing.T) {
	if _, err := BuildAccounts("root:x:0\n", hostGroup); err == nil {
		t.Fatal("want an error for a short passwd line")
	}
}

func TestListeningTCPPorts(t *testing.T) {
	const procNetTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0019 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
   2: 0A00010A:0016 0200A8C6:C350 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 100 0 0 10 0
`
	got := ListeningTCPPorts(procNetTCP)
	if !got[22] || !got[25] || len(got) != 2 {
		t.Fatalf("ports %v, want 22 and 25 only", got)
	}
}

func TestBashrcPrompt(t *testing.T) {
	if !strings.Contains(Bashrc(), `PS1='[\u@\h \W]\$ '`) {
		t.Fatalf("prompt: %s", Bashrc())
	}
}
