package jsonfile

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWriteRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.json")
	var got map[string]int
	if found, err := Read(path, &got); found || err != nil || got != nil {
		t.Fatalf("no file: found %v, err %v, v %v; want false, nil, untouched", found, err, got)
	}
	want := map[string]int{"a": 1, "b": 2}
	if err := Write(path, want); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, want); err != nil { // over an existing file
		t.Fatal(err)
	}
	if found, err := Read(path, &got); !found || err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("found %v, err %v, v %v; want %v", found, err, got, want)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
	if err := os.WriteFile(path, []byte("{half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if found, err := Read(path, &got); !found || err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("bad JSON: found %v, err %v; want an error naming the file", found, err)
	}
}
