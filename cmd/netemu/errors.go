package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
)

// errReported is a failure whose details the command already printed
// (validate -o json): main prints nothing more, the exit status says it.
var errReported = errors.New("reported")

// friendly is err as the user reads it: the few Go errors that can reach
// the top without a sentence of ours get one.
func friendly(err error) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, context.Canceled):
		return errInterrupted
	case errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s does not exist", pe.Path)
	case errors.As(err, &pe) && errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: permission denied (most netemu commands need root: run them with sudo)", pe.Path)
	}
	return err
}
