// Package svc runs well-known services (sshd, an MTA, MariaDB) and the
// lab's `process` blocks inside nodes, generates the lab's SSH key pairs,
// and gives every instance its own view of the accounts and files those
// programs use (/etc/passwd, /home, /run …) through its mount namespace, so
// the host's own files are never touched.
package svc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/topo"
)

// Program is an executable a service needs and the Debian package that
// ships it, so a missing one is reported as something the user can fix.
type Program struct {
	Path    string
	Package string
}

// Kind is a service kind: what it needs installed, how its files are
// prepared and which supervised process runs it.
type Kind struct {
	Name string
	// MTA tells the smtp service's variants apart (topo.MTASendmail,
	// topo.MTAOpenSMTPD); "" for other kinds.
	MTA      string
	Programs []Program
	// Process is the supervised process's name (status, logs).
	Process string
	// Ports are the TCP ports it listens on once ready.
	Ports []int
	// ViewBinds are extra directories of the instance's view this kind
	// needs: view path → directory under the node dir.
	ViewBinds map[string]string

	prepare func(in *instance) error
	spec    func(in *instance) nodes.ProcessSpec
}

// kinds is the one list of service kinds; topo.ServiceKinds() must name the
// same ones (a unit test checks).
func kinds() []Kind {
	return []Kind{
		{
			Name:     "sshd",
			Programs: []Program{{"/usr/sbin/sshd", "openssh-server"}},
			Process:  "sshd",
			Ports:    []int{22},
			prepare:  prepareSSHD,
			spec: func(in *instance) nodes.ProcessSpec {
				return nodes.ProcessSpec{Name: "sshd", Restart: true,
					Command: []string{"/usr/sbin/sshd", "-D", "-e", "-f", in.path("sshd", "sshd_config")}}
			},
		},
		{
			// The default MTA, the article's: Debian's sendmail-bin,
			// unpacked beside OpenSMTPD (the two packages conflict).
			Name:     "smtp",
			MTA:      topo.MTASendmail,
			Programs: []Program{{SendmailBinary, "sendmail-bin (unpacked under " + SendmailRoot + " by tests/setup.sh)"}, {"/usr/bin/m4", "m4"}},
			Process:  "sendmail",
			Ports:    []int{25},
			prepare:  prepareSendmail,
			spec: func(in *instance) nodes.ProcessSpec {
				// Run as .../sendmail so its command name (lsof, ps) is
				// "sendmail"; -bD: a daemon in the foreground.
				return nodes.ProcessSpec{Name: "sendmail", Restart: true,
					Command: []string{SendmailBinary, "-bD", "-q1h", "-C", in.path("sendmail", "sendmail.cf")}}
			},
		},
		{
			Name:     "smtp",
			MTA:      topo.MTAOpenSMTPD,
			Programs: []Program{{"/usr/sbin/smtpd", "opensmtpd"}},
			Process:  "smtpd",
			Ports:    []int{25},
			prepare:  prepareSMTPD,
			spec: func(in *instance) nodes.ProcessSpec {
				return nodes.ProcessSpec{Name: "smtpd", Restart: true,
					Command: []string{"/usr/sbin/smtpd", "-d", "-f", in.path("smtpd", "smtpd.conf")}}
			},
		},
		{
			Name: "mariadb",
			Programs: []Program{
				{"/usr/sbin/mariadbd", "mariadb-server"},
				{"/usr/bin/mariadb-install-db", "mariadb-server"},
			},
			Process:   "mariadbd",
			Ports:     []int{3306},
			ViewBinds: map[string]string{viewMySQLData: "mariadb/data"},
			prepare:   prepareMariaDB,
			spec: func(in *instance) nodes.ProcessSpec {
				// --defaults-file must come first; it replaces the host's
				// /etc/mysql configuration entirely.
				return nodes.ProcessSpec{Name: "mariadbd", Restart: true,
					Command: []string{"/usr/sbin/mariadbd", "--defaults-file=" + in.path("mariadb", "my.cnf")}}
			},
		},
	}
}

// KnownKinds returns the names of every service kind.
func KnownKinds() []string {
	var names []string
	for _, k := range kinds() {
		if len(names) == 0 || names[len(names)-1] != k.Name {
			names = append(names, k.Name)
		}
	}
	return names
}

// LookupService returns the kind that runs s: for smtp, its MTA's variant
// (sendmail unless the file says otherwise).
func LookupService(s *topo.Service) (Kind, error) {
	for _, k := range kinds() {
		if k.Name == s.Kind && (k.MTA == "" || s.MTA == "" || k.MTA == s.MTA) {
			return k, nil
		}
	}
	return LookupKind(s.Kind)
}

// LookupKind returns the kind called name; the error lists the known ones.
func LookupKind(name string) (Kind, error) {
	for _, k := range kinds() {
		if k.Name == name {
			return k, nil
		}
	}
	return Kind{}, fmt.Errorf("unknown service kind %q (known kinds: %s)", name, strings.Join(KnownKinds(), ", "))
}

// basePrograms run every service and process inside its node.
var basePrograms = []Program{
	{"/usr/bin/nsenter", "util-linux"},
	{"/usr/bin/setpriv", "util-linux"},
}

// Preflight checks, before anything is built, that every program the lab
// needs is installed and every process block names an existing program.
// It touches nothing; stat and lookPath (nil: exec.LookPath) are its only
// view of the machine, so tests can fake it.
func Preflight(lab *topo.Lab, stat func(string) (os.FileInfo, error), lookPath func(string) (string, error)) error {
	if stat == nil {
		stat = os.Stat
	}
	if lookPath == nil {
		lookPath = exec.LookPath
	}
	var errs []error
	need := func(what string, p Program) {
		fi, err := stat(p.Path)
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			errs = append(errs, fmt.Errorf("%s needs %s (Debian package %s): not installed", what, p.Path, p.Package))
		}
	}
	checked := map[string]bool{}
	anything := false
	for _, n := range lab.Nodes {
		taken := map[string]string{}
		for _, s := range n.Services {
			k, err := LookupService(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("node %q: %w", n.Name, err))
				continue
			}
			if n.Kind != topo.KindInstance {
				errs = append(errs, fmt.Errorf("node %q: service %q runs only on instances", n.Name, s.Kind))
			}
			anything = true
			taken[k.Process] = "service " + k.Name
			for _, p := range k.Programs {
				if !checked[p.Path] {
					checked[p.Path] = true
					need("service "+k.Name, p)
				}
			}
		}
		for _, p := range n.Processes {
			anything = true
			if by, ok := taken[p.Name]; ok {
				errs = append(errs, fmt.Errorf("node %q: process %q has the name of %s's process", n.Name, p.Name, by))
			}
			taken[p.Name] = "process " + p.Name
			if len(p.Command) == 0 {
				errs = append(errs, fmt.Errorf("node %q: process %q: empty command", n.Name, p.Name))
				continue
			}
			if err := checkCommand(p.Command[0], stat, lookPath); err != nil {
				errs = append(errs, fmt.Errorf("node %q: process %q: %w", n.Name, p.Name, err))
			}
		}
	}
	if anything {
		for _, p := range basePrograms {
			need("running programs inside nodes", p)
		}
	}
	// Every instance boots by DHCP and runs chronyd; every VPC runs its
	// DHCP, DNS and Time Sync services. (Only what this share runs: lab is
	// the local share.)
	for _, n := range lab.Nodes {
		var what string
		var progs []Program
		switch n.Kind {
		case topo.KindInstance:
			what, progs = "an instance's system", []Program{progDhclient, progChronyd, progSudo, progIP, basePrograms[0], basePrograms[1]}
		case topo.KindVPCRouter:
			what, progs = "the VPC's DHCP, DNS and Time Sync", []Program{progDnsmasq, progChronyd, basePrograms[1]}
		case topo.KindIGW:
			what, progs = "the VPC's public DNS", []Program{progDnsmasq}
		}
		for _, p := range progs {
			if !checked[p.Path] {
				checked[p.Path] = true
				need(what, p)
			}
		}
	}
	return errors.Join(errs...)
}

func checkCommand(prog string, stat func(string) (os.FileInfo, error), lookPath func(string) (string, error)) error {
	if filepath.IsAbs(prog) {
		fi, err := stat(prog)
		if err != nil {
			return fmt.Errorf("program %s: %w", prog, err)
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return fmt.Errorf("program %s is not an executable file", prog)
		}
		return nil
	}
	if _, err := lookPath(prog); err != nil {
		return fmt.Errorf("program %q not found in PATH: %w", prog, err)
	}
	return nil
}
