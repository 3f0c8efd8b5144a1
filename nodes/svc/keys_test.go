package svc

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestGenerateKeyParsesBack(t *testing.T) {
	priv, auth, err := GenerateKey("my-key")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(priv, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n")) {
		t.Fatalf("private key is not in OpenSSH format:\n%s", priv)
	}
	signer, err := ssh.ParsePrivateKey(priv)
	if err != nil {
		t.Fatalf("parse private key: %v", err)
	}
	pub, comment, _, rest, err := ssh.ParseAuthorizedKey(auth)
	if err != nil {
		t.Fatalf("parse authorized key %q: %v", auth, err)
	}
	if len(rest) != 0 || comment != "my-key" || pub.Type() != ssh.KeyAlgoED25519 {
		t.Fatalf("authorized key %q: type %s comment %q rest %q", auth, pub.Type(), comment, rest)
	}
	if !bytes.Equal(pub.Marshal(), signer.PublicKey().Marshal()) {
		t.Fatal("public half does not match the private key")
	}
	// The pair signs and verifies, so sshd will accept it.
	sig, err := signer.Sign(nil, []byte("data"))
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Verify([]byte("data"), sig); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

func TestEnsureKeyKeepsExistingKey(t *testing.T) {
	dir := t.TempDir()
	priv, pub := LabKeyPaths(dir, "my-key")
	first, err := EnsureKey(priv, pub, "my-key")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(priv)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v, want 0600", fi.Mode().Perm())
	}
	if filepath.Base(priv) != "my-key.pem" {
		t.Errorf("private key file %s, want my-key.pem", priv)
	}
	// A lost public half is derived again, the private key is kept.
	if err := os.Remove(pub); err != nil {
		t.Fatal(err)
	}
	second, err := EnsureKey(priv, pub, "my-key")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.AuthorizedKey, second.AuthorizedKey) {
		t.Fatalf("key changed across EnsureKey calls:\n%s\n%s", first.AuthorizedKey, second.AuthorizedKey)
	}
	onDisk, err := os.ReadFile(pub)
	if err != nil || !bytes.Equal(onDisk, first.AuthorizedKey) {
		t.Fatalf(".pub = %q (%v), want %q", onDisk, err, first.AuthorizedKey)
	}
}

func TestEnsureKeyRejectsGarbage(t *testing.T) {
	dir := t.TempDir()
	priv := filepath.Join(dir, "k.pem")
	if err := os.WriteFile(priv, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := EnsureKey(priv, priv+".pub", "k")
	if err == nil || !strings.Contains(err.Error(), priv) {
		t.Fatalf("want an error naming %s, got %v", priv, err)
	}
}

func TestDerivedKeyIsStablePerLabAndName(t *testing.T) {
	pub := func(lab, name string) string {
		priv, auth, err := DerivedKey(lab, name)
		if err != nil {
			t.Fatal(err)
		}
		signer, err := ssh.ParsePrivateKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(authorizedLine(signer.PublicKey(), name)); got != string(auth) {
			t.Fatalf("public half %q does not match the private key's %q", auth, got)
		}
		return string(auth)
	}
	a1, a2 := pub("aws-ssh", "my-key"), pub("aws-ssh", "my-key")
	if a1 != a2 {
		t.Fatal("two machines would derive different keys")
	}
	if pub("aws-ssh", "other") == a1 || pub("other-lab", "my-key") == a1 {
		t.Fatal("different labs or key names share a key")
	}
}
