package svc

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Where tests/setup.sh unpacks Debian's sendmail-bin and sendmail-cf
// (dpkg-deb -x): Debian's sendmail and OpenSMTPD packages conflict, and
// netemu offers both, so sendmail lives beside the installed OpenSMTPD.
const (
	SendmailRoot   = "/opt/netemu/sendmail"
	SendmailBinary = SendmailRoot + "/usr/libexec/sendmail/sendmail"
	sendmailCF     = SendmailRoot + "/usr/share/sendmail/cf"
	sendmailLocal  = SendmailRoot + "/usr/libexec/sendmail/mail.local"
)

// prepareSendmail generates the instance's sendmail.cf from SendmailMC
// with m4 (as sendmailconfig does) and its queue directory in the
// instance's own /var/spool.
func prepareSendmail(in *instance) error {
	dir := in.path("sendmail")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	mc := filepath.Join(dir, "sendmail.mc")
	if err := writeFileInPlace(mc, []byte(SendmailMC(sendmailCF, sendmailLocal)), 0o644); err != nil {
		return err
	}
	var out, errb bytes.Buffer
	cmd := exec.Command("m4", mc)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("m4 %s: %w: %s", mc, err, errb.String())
	}
	if err := writeFileInPlace(filepath.Join(dir, "sendmail.cf"), out.Bytes(), 0o644); err != nil {
		return err
	}
	q := in.path("root", viewSpool, "mqueue")
	if err := os.MkdirAll(q, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", q, err)
	}
	return os.Chmod(q, 0o700)
}
