package svc

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
)

// KeyFiles are the two halves of a key pair on disk.
type KeyFiles struct {
	Private string // OpenSSH private key, mode 0600
	Public  string // authorized_keys line
	// AuthorizedKey is the public half as one authorized_keys line.
	AuthorizedKey []byte
}

// GenerateKey makes an ed25519 key and returns the private key in OpenSSH
// PEM form ("-----BEGIN OPENSSH PRIVATE KEY-----", what `ssh -i` reads) and
// the public key as an authorized_keys line.
func GenerateKey(comment string) (privPEM, authorized []byte, err error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate ed25519 key: %w", err)
	}
	return encodeKey(priv, comment)
}

// DerivedKey is the key pair a multi-machine lab uses for key_pair NAME:
// every machine runs its own `netemu up` with no coordinator, so each must
// compute the same pair from the file alone. It is therefore no secret from
// whoever has the lab file — fine for an emulator, and single-machine labs
// keep random keys.
func DerivedKey(lab, name string) (privPEM, authorized []byte, err error) {
	seed := sha256.Sum256([]byte("netemu key_pair v1\x00" + lab + "\x00" + name))
	return encodeKey(ed25519.NewKeyFromSeed(seed[:]), name)
}

func encodeKey(priv ed25519.PrivateKey, comment string) (privPEM, authorized []byte, err error) {
	pub := priv.Public().(ed25519.PublicKey)
	blk, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, nil, fmt.Errorf("marshal private key: %w", err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("public key: %w", err)
	}
	return pem.EncodeToMemory(blk), authorizedLine(sshPub, comment), nil
}

func authorizedLine(pub ssh.PublicKey, comment string) []byte {
	line := ssh.MarshalAuthorizedKey(pub) // ends in '\n'
	if comment == "" {
		return line
	}
	return append(line[:len(line)-1], []byte(" "+comment+"\n")...)
}

// EnsureKey returns the key pair stored as priv and priv+".pub"'s
// counterpart pub, generating it only when priv does not exist yet: keys
// live as long as the lab (and host keys as long as the instance's disk),
// so known_hosts entries and downloaded .pem files stay valid across
// restarts.
func EnsureKey(priv, pub, comment string) (KeyFiles, error) {
	return EnsureKeyWith(priv, pub, comment, func() ([]byte, []byte, error) { return GenerateKey(comment) })
}

// EnsureKeyWith is EnsureKey with the generator of a new key given.
func EnsureKeyWith(priv, pub, comment string, generate func() (privPEM, authorized []byte, err error)) (KeyFiles, error) {
	kf := KeyFiles{Private: priv, Public: pub}
	data, err := os.ReadFile(priv)
	switch {
	case err == nil:
		signer, err := ssh.ParsePrivateKey(data)
		if err != nil {
			return kf, fmt.Errorf("key %s: %w", priv, err)
		}
		kf.AuthorizedKey = authorizedLine(signer.PublicKey(), comment)
		// The public half is derived, so a lost or edited .pub heals.
		if err := writeFileInPlace(pub, kf.AuthorizedKey, 0o644); err != nil {
			return kf, err
		}
		return kf, os.Chmod(priv, 0o600)
	case errors.Is(err, fs.ErrNotExist):
	default:
		return kf, fmt.Errorf("read key %s: %w", priv, err)
	}
	privPEM, auth, err := generate()
	if err != nil {
		return kf, err
	}
	if err := os.MkdirAll(filepath.Dir(priv), 0o700); err != nil {
		return kf, fmt.Errorf("key dir: %w", err)
	}
	// Write under a temporary name and rename, so a crash never leaves a
	// half-written key that a later start would refuse to parse.
	tmp := priv + ".tmp"
	if err := os.WriteFile(tmp, privPEM, 0o600); err != nil {
		return kf, fmt.Errorf("write key %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, priv); err != nil {
		return kf, fmt.Errorf("install key %s: %w", priv, err)
	}
	kf.AuthorizedKey = auth
	if err := writeFileInPlace(pub, auth, 0o644); err != nil {
		return kf, err
	}
	return kf, nil
}

// LabKeyPaths are where a lab's key pair NAME lives in its state dir.
func LabKeyPaths(stateDir, name string) (priv, pub string) {
	dir := filepath.Join(stateDir, "keys")
	return filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".pub")
}

// writeFileInPlace writes data to path keeping its inode: files of a view
// are bind-mounted into a mount namespace, and a rename would leave the
// namespace looking at the old file.
func writeFileInPlace(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create dir for %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Chmod(path, perm)
}
