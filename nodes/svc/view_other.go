//go:build !linux

package svc

import "errors"

func setupView(v viewSpec) error {
	return errors.New("instance views need Linux mount namespaces")
}
