//go:build !linux

package quarrytest

import (
	"errors"
	"os"
	"syscall"
)

type credential struct{ Uid, Gid uint32 }

// serverUser refuses root: running the server as another user is only
// supported on Linux.
func serverUser() (*credential, error) {
	if os.Geteuid() == 0 {
		return nil, errors.New("quarrytest: cannot start PostgreSQL as root on this system; set " + EnvPostgres)
	}
	return nil, nil
}

// sysProcAttr has nothing to add off Linux: without a parent-death
// signal, a server outlives a test binary that dies before Main's
// clean-up.
func sysProcAttr(*credential) *syscall.SysProcAttr { return nil }

// pidAlive says every process is alive, so that no cluster is removed
// from under its owner.
func pidAlive(int) bool { return true }
